/**
 * The confusion matrix as a heatmap (the `confusion` view, views/confusion.tsx): validation
 * after each epoch, test at the end; counts or normalised per true class (each row sums to
 * 100 %). Rows are the true class. Scrubbed to a step, it shows the validation matrix of that
 * time. A click on a cell sets the run store's `confusionCell` (true, predicted class).
 */

import { useEffect, useRef, useState } from 'react'
import type { PlotlyHTMLElement } from 'plotly.js'
import type { ConfusionMatrixEvent } from '../api/events'
import { useRunStore } from '../store/runStore'
import type { ConfusionState } from '../views/confusion'
import { snapshotAt } from '../views/history'
import type { ViewProps } from '../views/registry'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, loadPlotly } from './plotly'
import { clearPlot, usePlot } from './usePlot'

type Mode = 'counts' | 'normalised'
type SplitChoice = 'val' | 'test'

/** Each row divided by its sum (a row with no samples stays 0). */
export function normaliseRows(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0)
    return row.map((v) => (total > 0 ? v / total : 0))
  })
}

function describe(event: ConfusionMatrixEvent): string {
  if (event.split === 'test') return 'test set, after training'
  return event.epoch != null ? `validation, epoch ${event.epoch}` : 'validation'
}

/** The matrix the view shows: the chosen split, the validation one of the scrubbed step. */
export function shownMatrix(state: ConfusionState, choice: SplitChoice | null, step: number | null): ConfusionMatrixEvent | null {
  const val = snapshotAt(state.val, step)
  const test = step === null ? state.test : null
  const split: SplitChoice = choice ?? (test ? 'test' : 'val')
  return split === 'test' ? (test ?? val) : (val ?? test)
}

export function ConfusionMatrix({ runId, state, step, version }: ViewProps<ConfusionState>) {
  const plot = usePlot({ minIntervalMs: 200, name: 'confusion', runId })
  const { run, presenter } = plot
  const [mode, setMode] = useState<Mode>('counts')
  const [choice, setChoice] = useState<SplitChoice | null>(null)
  const setConfusionCell = useRunStore((s) => s.setConfusionCell)
  const drawn = useRef<{ event: ConfusionMatrixEvent; mode: Mode; presenter: boolean } | null>(null)
  const event = runId ? shownMatrix(state, choice, step) : null
  const test = step === null ? state.test : null
  const hasVal = state.val.length > 0

  useEffect(() => {
    run(async (plotly, element) => {
      const event = runId ? shownMatrix(state, choice, step) : null
      if (!event) {
        if (element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
        return false
      }
      const last = drawn.current
      if (last && last.event === event && last.mode === mode && last.presenter === presenter) return false
      const normalised = mode === 'normalised'
      const z = normalised ? normaliseRows(event.matrix) : event.matrix
      const many = event.labels.length > 15
      const base = baseLayout(element, presenter)
      const data: Data[] = [
        {
          type: 'heatmap',
          x: event.labels,
          y: event.labels,
          z,
          zmin: 0,
          zmax: normalised ? 1 : undefined,
          colorscale: 'Blues',
          reversescale: true,
          showscale: !many,
          texttemplate: many ? undefined : normalised ? '%{z:.0%}' : '%{z}',
          hovertemplate: normalised
            ? 'true %{y}, predicted %{x}: %{z:.1%}<extra></extra>'
            : 'true %{y}, predicted %{x}: %{z}<extra></extra>',
          xgap: 1,
          ygap: 1,
        },
      ]
      const layout: Partial<Layout> = {
        ...base,
        showlegend: false,
        margin: { ...base.margin, t: 8, r: 8 },
        xaxis: { type: 'category', title: { text: 'predicted' }, side: 'bottom', automargin: true },
        yaxis: { type: 'category', title: { text: 'true' }, autorange: 'reversed', automargin: true },
      }
      await loadPlotly(['heatmap']) // fetched with the first heatmap, not with the page
      await plotly.react(element, data, layout, baseConfig)
      const gd = element as unknown as PlotlyHTMLElement
      if (!element.dataset.clicks) {
        element.dataset.clicks = '1'
        gd.on('plotly_click', (click) => {
          const point = click.points[0]
          const shown = drawn.current?.event
          if (!point || !shown) return
          const truth = shown.labels.indexOf(String(point.y))
          const predicted = shown.labels.indexOf(String(point.x))
          if (truth < 0 || predicted < 0) return
          const split = shown.split === 'test' ? 'test' : 'val'
          setConfusionCell({ runId: element.dataset.runId ?? '', split, true: truth, predicted })
        })
      }
      drawn.current = { event, mode, presenter }
      element.dataset.split = event.split
      element.dataset.epoch = String(event.epoch ?? '')
      element.dataset.runId = runId
      return true
    })
  }, [runId, state, version, step, choice, mode, run, presenter, setConfusionCell])

  return (
    <figure className="chart-card">
      <figcaption>
        Confusion matrix <span className="chart-sub">{event ? describe(event) : 'rows: true class'}</span>
        <span className="chart-tools">
          {test && hasVal ? (
            <span className="segmented" role="group" aria-label="Which split">
              <button type="button" aria-pressed={event?.split !== 'test'} onClick={() => setChoice('val')}>
                Validation
              </button>
              <button type="button" aria-pressed={event?.split === 'test'} onClick={() => setChoice('test')}>
                Test
              </button>
            </span>
          ) : null}
          <span className="segmented" role="group" aria-label="Show as">
            <button type="button" aria-pressed={mode === 'counts'} onClick={() => setMode('counts')}>
              Counts
            </button>
            <button type="button" aria-pressed={mode === 'normalised'} onClick={() => setMode('normalised')}>
              Normalised
            </button>
          </span>
        </span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label="Confusion matrix" />
        {!event ? <p className="chart-empty">The matrix appears after epoch 1.</p> : null}
      </div>
    </figure>
  )
}
