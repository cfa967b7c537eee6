/**
 * The confusion matrix as a heatmap: validation after each epoch, test at the end; counts or
 * normalised per true class (each row sums to 100 %). Rows are the true class.
 */

import { useEffect, useState } from 'react'
import type { ConfusionMatrixEvent } from '../api/events'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, loadPlotly } from './plotly'
import type { RunView } from './reduceEvents'
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

export interface ConfusionMatrixProps {
  view: RunView | null
}

export function ConfusionMatrix({ view }: ConfusionMatrixProps) {
  const plot = usePlot({ minIntervalMs: 500, name: 'confusion' })
  const { run, presenter } = plot
  const [mode, setMode] = useState<Mode>('counts')
  const [choice, setChoice] = useState<SplitChoice | null>(null)
  const test = view?.confusion.test ?? null
  const val = view?.confusion.val ?? null
  const split: SplitChoice = choice ?? (test ? 'test' : 'val')
  const event = split === 'test' ? (test ?? val) : (val ?? test)

  useEffect(() => {
    if (!event) {
      void run((plotly, element) => {
        if (element.classList.contains('js-plotly-plot')) clearPlot(plotly, element)
      })
      return
    }
    const normalised = mode === 'normalised'
    const z = normalised ? normaliseRows(event.matrix) : event.matrix
    const many = event.labels.length > 15
    void run(async (plotly, element) => {
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
      element.dataset.split = event.split
      element.dataset.epoch = String(event.epoch ?? '')
    })
  }, [event, mode, run, presenter])

  return (
    <figure className="chart-card">
      <figcaption>
        Confusion matrix <span className="chart-sub">{event ? describe(event) : 'rows: true class'}</span>
        <span className="chart-tools">
          {test && val ? (
            <span className="segmented" role="group" aria-label="Which split">
              <button type="button" aria-pressed={split === 'val'} onClick={() => setChoice('val')}>
                Validation
              </button>
              <button type="button" aria-pressed={split === 'test'} onClick={() => setChoice('test')}>
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
        {!event ? (
          <p className="chart-empty">
            {view?.task === 'regression' ? 'No confusion matrix for regression.' : 'The matrix appears after epoch 1.'}
          </p>
        ) : null}
      </div>
    </figure>
  )
}
