/**
 * The decision boundary on 2-D data (TensorFlow Playground's signature view): the plane
 * coloured by the model's prediction, the data points on top. Two classes blend orange to
 * blue through white by the predicted probability; more classes get one colour each;
 * regression shows the predicted value. The `boundary` view (views/boundary.tsx): scrubbed to a
 * step it shows the boundary of that time; a click on the plane sets the run store's
 * `planePoint`. Heavy (a heatmap and every data point): drawn at most every few hundred ms.
 */

import { useEffect, useRef } from 'react'
import type { PlotlyHTMLElement } from 'plotly.js'
import type { DecisionBoundaryEvent } from '../api/events'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import type { BoundaryState } from '../views/boundary'
import { snapshotAt } from '../views/history'
import type { ViewProps } from '../views/registry'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, CLASS_COLORS, loadPlotly } from './plotly'
import type { Task } from './reduceEvents'
import { clearPlot, usePlot } from './usePlot'

/** `count` evenly spaced values from `lo` to `hi` (both included). */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (count <= 1) return [lo]
  const step = (hi - lo) / (count - 1)
  return Array.from({ length: count }, (_, i) => lo + i * step)
}

/**
 * What the heatmap shows: for two classes the probability of class 1 (0 = surely class 0,
 * 1 = surely class 1), else the grid itself (class index or predicted value).
 */
export function boundarySurface(event: DecisionBoundaryEvent, classes: number): number[][] {
  const probabilities = event.probabilities
  if (classes === 2 && probabilities) {
    return event.grid.map((row, i) => row.map((cls, j) => (cls >= 0.5 ? probabilities[i][j] : 1 - probabilities[i][j])))
  }
  return event.grid
}

function classCount(event: DecisionBoundaryEvent, labels: string[] | null): number {
  let max = 0
  for (const row of event.grid) for (const v of row) if (v > max) max = v
  for (const p of event.points) if (p[2] > max) max = p[2]
  return Math.max(2, labels?.length ?? 0, Math.round(max) + 1)
}

function discreteScale(classes: number): [number, string][] {
  const scale: [number, string][] = []
  for (let c = 0; c < classes; c += 1) {
    const color = CLASS_COLORS[c % CLASS_COLORS.length]
    scale.push([c / classes, color], [(c + 1) / classes, color])
  }
  return scale
}

/** Class names of the run: its confusion matrices', else its data set's. */
function useClassLabels(runId: string, fromRun: string[] | null): string[] | null {
  const datasetName = useRunStore((s) => (runId ? (s.runs.find((r) => r.id === runId)?.dataset ?? null) : null))
  const editorDataset = useEditorStore((s) => s.datasetRef?.name ?? null)
  const names = useEditorStore((s) => s.datasets.find((d) => d.name === (datasetName ?? editorDataset))?.class_names ?? null)
  return fromRun ?? names ?? null
}

export function DecisionBoundary({ runId, state, step, version }: ViewProps<BoundaryState>) {
  const plot = usePlot({ minIntervalMs: 250, name: 'boundary', runId })
  const { run, presenter } = plot
  const labels = useClassLabels(runId, state.labels)
  const setPlanePoint = useRunStore((s) => s.setPlanePoint)
  const drawn = useRef<{ event: DecisionBoundaryEvent; key: string } | null>(null)
  const event = runId ? snapshotAt(state.history, step) : null

  useEffect(() => {
    run(async (plotly, element) => {
      const event = runId ? snapshotAt(state.history, step) : null
      if (!event) {
        if (element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
        return false
      }
      // Before the first epoch event names the task, a grid without probabilities is a regression surface.
      const task: Task = state.task ?? (!event.probabilities ? 'regression' : 'classification')
      const key = `${presenter}:${task}:${labels?.join('|') ?? ''}`
      if (drawn.current && drawn.current.event === event && drawn.current.key === key) return false
      const rows = event.grid.length
      const cols = rows > 0 ? event.grid[0].length : 0
      const x = linspace(event.x_range[0], event.x_range[1], cols)
      const y = linspace(event.y_range[0], event.y_range[1], rows)
      const data: Data[] = []
      if (task === 'regression') {
        let lo = Infinity
        let hi = -Infinity
        for (const row of event.grid) for (const v of row) {
          lo = Math.min(lo, v)
          hi = Math.max(hi, v)
        }
        data.push(
          {
            type: 'heatmap',
            x,
            y,
            z: event.grid,
            zmin: lo,
            zmax: hi,
            zsmooth: 'fast',
            colorscale: 'RdBu',
            opacity: 0.75,
            hovertemplate: 'x %{x:.2f}, y %{y:.2f}: %{z:.3f}<extra>prediction</extra>',
            colorbar: { thickness: 10 },
          },
          {
            type: 'scatter',
            mode: 'markers',
            name: 'data',
            x: event.points.map((p) => p[0]),
            y: event.points.map((p) => p[1]),
            marker: {
              color: event.points.map((p) => p[2]),
              colorscale: 'RdBu',
              cmin: lo,
              cmax: hi,
              size: presenter ? 8 : 6,
              line: { color: 'white', width: 1 },
            },
            hovertemplate: 'x %{x:.2f}, y %{y:.2f}: %{marker.color:.3f}<extra>target</extra>',
          },
        )
      } else {
        const classes = classCount(event, labels)
        const binary = classes === 2
        data.push({
          type: 'heatmap',
          x,
          y,
          z: boundarySurface(event, classes),
          zmin: 0,
          zmax: binary ? 1 : classes - 1,
          zsmooth: binary ? 'fast' : false,
          colorscale: binary
            ? [
                [0, CLASS_COLORS[0]],
                [0.5, '#f4f4f4'],
                [1, CLASS_COLORS[1]],
              ]
            : discreteScale(classes),
          opacity: binary ? 0.85 : 0.5,
          showscale: false,
          hovertemplate: binary
            ? 'x %{x:.2f}, y %{y:.2f}: P(class ' + (labels?.[1] ?? '1') + ') = %{z:.2f}<extra></extra>'
            : 'x %{x:.2f}, y %{y:.2f}: class %{z}<extra></extra>',
        })
        for (let c = 0; c < classes; c += 1) {
          const mine = event.points.filter((p) => Math.round(p[2]) === c)
          if (mine.length === 0) continue
          data.push({
            type: 'scatter',
            mode: 'markers',
            name: labels?.[c] ?? `class ${c}`,
            x: mine.map((p) => p[0]),
            y: mine.map((p) => p[1]),
            marker: { color: CLASS_COLORS[c % CLASS_COLORS.length], size: presenter ? 8 : 6, line: { color: 'white', width: 1 } },
            hovertemplate: 'x %{x:.2f}, y %{y:.2f}<extra>%{fullData.name}</extra>',
          })
        }
      }
      const base = baseLayout(element, presenter)
      const layout: Partial<Layout> = {
        ...base,
        margin: { ...base.margin, l: presenter ? 48 : 36, b: presenter ? 40 : 30 },
        xaxis: { ...base.xaxis, range: [event.x_range[0], event.x_range[1]], constrain: 'domain' },
        yaxis: { ...base.yaxis, range: [event.y_range[0], event.y_range[1]], scaleanchor: 'x', constrain: 'domain' },
        hovermode: 'closest',
      }
      await loadPlotly(['heatmap']) // fetched with the first heatmap, not with the page
      await plotly.react(element, data, layout, baseConfig)
      if (!element.dataset.clicks) {
        element.dataset.clicks = '1'
        ;(element as unknown as PlotlyHTMLElement).on('plotly_click', (click) => {
          const point = click.points[0]
          if (!point || typeof point.x !== 'number' || typeof point.y !== 'number') return
          setPlanePoint({ runId: element.dataset.runId ?? '', x: point.x, y: point.y })
        })
      }
      drawn.current = { event, key }
      element.dataset.epoch = String(event.epoch ?? '')
      element.dataset.runId = runId
      return true
    })
  }, [runId, state, version, step, labels, run, presenter, setPlanePoint])

  return (
    <figure className="chart-card">
      <figcaption>
        Decision boundary{' '}
        <span className="chart-sub">{event?.epoch != null ? `after epoch ${event.epoch}` : 'the plane coloured by the prediction'}</span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart chart-square" role="img" aria-label="Decision boundary" />
        {!event ? <p className="chart-empty">The boundary appears after the first epoch.</p> : null}
      </div>
    </figure>
  )
}
