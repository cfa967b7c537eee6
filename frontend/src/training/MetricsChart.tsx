/**
 * The live curves: loss per step (raw + smoothed) with validation loss per epoch, and
 * accuracy (or R² for regression) per epoch — the `loss` and `accuracy` views
 * (views/loss.tsx, views/accuracy.tsx).
 *
 * Points are APPENDED with `Plotly.extendTraces`, never re-plotted, and the axes are fixed
 * where the run tells their extent (x: the planned steps or epochs; the loss's y: up to the
 * largest loss seen, rounded up), so a new point needs no relayout. A full draw happens only for
 * a new run, presenter mode, a loss above the axis, or a change of metric. Draws go through the
 * views' scheduler (`usePlot`): at most once per frame, newest state, none out of sight. The
 * container carries `data-points` (step points drawn) and `data-epochs` (epoch points drawn) so
 * tests can compare what is on screen with the server's record.
 */

import { useEffect, useRef } from 'react'
import type { AccuracyPoint, AccuracyState } from '../views/accuracy'
import type { LossState } from '../views/loss'
import type { ViewProps } from '../views/registry'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, SERIES } from './plotly'
import { clearPlot, usePlot } from './usePlot'

interface Drawn {
  key: string
  steps: number
  epochs: number
}

/** Loss charts redraw at most this often (ms); the scheduler also keeps a chart's drawing a small share of the time. */
const LOSS_INTERVAL_MS = 100
const ACCURACY_INTERVAL_MS = 150

/** The top of a fixed axis over `max`: the next 1-2-5 step above it (NaN when nothing finite is known). */
export function axisTop(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return Number.NaN
  const scale = 10 ** Math.floor(Math.log10(max * 1.05))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * scale >= max * 1.05) return m * scale
  return 10 * scale
}

export function LossChart({ runId, state, version }: ViewProps<LossState>) {
  const plot = usePlot({ minIntervalMs: LOSS_INTERVAL_MS, name: 'loss', runId })
  const drawn = useRef<Drawn | null>(null)
  const { run, presenter } = plot

  useEffect(() => {
    // The op reads the state when it runs (the newest), not when it was asked for.
    run(async (plotly, element) => {
      const steps = state.step.length
      const epochs = state.val.epoch.length
      if (!runId || (steps === 0 && epochs === 0)) {
        // Nothing to draw (no run, or a run that has not trained yet): clear what was there.
        if (drawn.current || element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
        return false
      }
      // Markers on the validation curve while there are few epochs (one redraw when it passes 40).
      const fewEpochs = epochs <= 40
      const xMax = state.epochs && state.stepsPerEpoch ? state.epochs * state.stepsPerEpoch : null
      const yTop = axisTop(state.max)
      const key = `${runId}:${presenter}:${fewEpochs}:${xMax}:${yTop}:${state.rewrites}`
      const last = drawn.current
      if (!last || last.key !== key || last.steps > steps || last.epochs > epochs) {
        const data: Data[] = [
          {
            type: 'scatter',
            mode: 'lines',
            name: 'raw',
            x: state.step.slice(0, steps),
            y: state.loss.slice(0, steps),
            line: { color: SERIES.train, width: 1 },
            opacity: 0.3,
            hovertemplate: 'loss %{y:.4f}<extra>raw</extra>',
          },
          {
            type: 'scatter',
            mode: 'lines',
            name: 'smoothed',
            x: state.step.slice(0, steps),
            y: state.smoothed.slice(0, steps),
            line: { color: SERIES.trainSmooth, width: 2.5 },
            hovertemplate: 'smoothed %{y:.4f}<extra></extra>',
          },
          {
            type: 'scatter',
            mode: fewEpochs ? 'lines+markers' : 'lines',
            name: 'validation',
            x: state.val.x.slice(0, epochs),
            y: state.val.loss.slice(0, epochs),
            line: { color: SERIES.val, width: 2.5 },
            marker: { size: presenter ? 9 : 6 },
            hovertemplate: 'val loss %{y:.4f}<extra></extra>',
          },
        ]
        const base = baseLayout(element, presenter)
        const layout: Partial<Layout> = {
          ...base,
          hovermode: 'x unified',
          xaxis: {
            ...base.xaxis,
            title: { text: 'step (batch)' },
            ...(xMax ? { range: [0, xMax], autorange: false } : { rangemode: 'tozero' }),
          },
          yaxis: {
            ...base.yaxis,
            title: { text: 'loss' },
            ...(Number.isFinite(yTop) ? { range: [0, yTop], autorange: false } : { rangemode: 'tozero' }),
          },
        }
        await plotly.newPlot(element, data, layout, baseConfig)
      } else {
        const x: number[][] = []
        const y: number[][] = []
        const traces: number[] = []
        if (steps > last.steps) {
          x.push(state.step.slice(last.steps, steps), state.step.slice(last.steps, steps))
          y.push(state.loss.slice(last.steps, steps), state.smoothed.slice(last.steps, steps))
          traces.push(0, 1)
        }
        if (epochs > last.epochs) {
          x.push(state.val.x.slice(last.epochs, epochs))
          y.push(state.val.loss.slice(last.epochs, epochs))
          traces.push(2)
        }
        if (traces.length === 0) return false
        await plotly.extendTraces(element, { x, y }, traces)
      }
      drawn.current = { key, steps, epochs }
      element.dataset.points = String(steps)
      element.dataset.epochs = String(epochs)
      element.dataset.runId = runId
      return true
    })
  }, [runId, state, version, run, presenter])

  const empty = !runId || (state.step.length === 0 && state.val.epoch.length === 0)
  return (
    <figure className="chart-card">
      <figcaption>
        Loss <span className="chart-sub">per step, smoothed · validation per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label="Loss chart" />
        {empty ? (
          <p className="chart-empty">{runId ? 'Waiting for the first batch…' : 'Train a model to see its loss fall here.'}</p>
        ) : null}
      </div>
    </figure>
  )
}

/** The per-epoch metric to draw: accuracy for classification, R² for regression. */
export function accuracyMetric(points: readonly AccuracyPoint[], task: string | null): { key: string; title: string; percent: boolean } | null {
  const first = points.find((p) => Object.keys(p.val).length > 0 || Object.keys(p.train).length > 0)
  if (!first) return task === 'regression' ? { key: 'r2', title: 'R²', percent: false } : { key: 'accuracy', title: 'accuracy', percent: true }
  const keys = { ...first.train, ...first.val }
  if ('accuracy' in keys) return { key: 'accuracy', title: 'accuracy', percent: true }
  if ('r2' in keys) return { key: 'r2', title: 'R²', percent: false }
  if ('mae' in keys) return { key: 'mae', title: 'MAE', percent: false }
  return null
}

export function AccuracyChart({ runId, state, version }: ViewProps<AccuracyState>) {
  const plot = usePlot({ minIntervalMs: ACCURACY_INTERVAL_MS, name: 'accuracy', runId })
  const drawn = useRef<Drawn | null>(null)
  const { run, presenter } = plot
  const metric = accuracyMetric(state.points, state.task)

  useEffect(() => {
    run(async (plotly, element) => {
      const metric = accuracyMetric(state.points, state.task)
      const count = state.points.length
      if (!runId || !metric || count === 0) {
        if (drawn.current || element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
        return false
      }
      const value = (record: Record<string, number>) => {
        const v = record[metric.key]
        return v === undefined ? Number.NaN : metric.percent ? v * 100 : v
      }
      const points = state.points.slice(0, count)
      const last = drawn.current
      // Whole-epoch ticks while there are few epochs (one redraw when it passes 12).
      const planned = state.epochs
      const span = Math.max(count, planned ?? 0)
      const key = `${runId}:${presenter}:${metric.key}:${span <= 12 ? 'few' : count <= 40 ? 'some' : 'many'}:${planned}:${state.rewrites}`
      const mode = count <= 40 ? 'lines+markers' : 'lines'
      if (!last || last.key !== key || last.epochs > count) {
        const data: Data[] = [
          {
            type: 'scatter',
            mode,
            name: 'train',
            x: points.map((p) => p.epoch),
            y: points.map((p) => value(p.train)),
            line: { color: SERIES.train, width: 2.5 },
            marker: { size: presenter ? 9 : 6 },
          },
          {
            type: 'scatter',
            mode,
            name: 'validation',
            x: points.map((p) => p.epoch),
            y: points.map((p) => value(p.val)),
            line: { color: SERIES.val, width: 2.5 },
            marker: { size: presenter ? 9 : 6 },
          },
        ]
        const base = baseLayout(element, presenter)
        const layout: Partial<Layout> = {
          ...base,
          hovermode: 'x unified',
          xaxis: {
            ...base.xaxis,
            title: { text: 'epoch' },
            dtick: span <= 12 ? 1 : undefined,
            ...(planned ? { range: [0, planned + 0.5], autorange: false } : { rangemode: 'tozero' }),
          },
          yaxis: {
            ...base.yaxis,
            // No axis title: the card says what it is, and long tick labels (57.35%) need the room.
            ticksuffix: metric.percent ? '%' : undefined,
          },
        }
        await plotly.newPlot(element, data, layout, baseConfig)
      } else {
        const added = points.slice(last.epochs)
        if (added.length === 0) return false
        const epochs = added.map((p) => p.epoch)
        await plotly.extendTraces(
          element,
          { x: [epochs, epochs.slice()], y: [added.map((p) => value(p.train)), added.map((p) => value(p.val))] },
          [0, 1],
        )
      }
      drawn.current = { key, steps: 0, epochs: count }
      element.dataset.epochs = String(count)
      element.dataset.runId = runId
      return true
    })
  }, [runId, state, version, run, presenter])

  return (
    <figure className="chart-card">
      <figcaption>
        {metric && metric.title !== 'accuracy' ? metric.title : 'Accuracy'}{' '}
        <span className="chart-sub">train and validation, per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label="Accuracy chart" />
        {!runId || state.points.length === 0 ? (
          <p className="chart-empty">{runId ? 'The first point appears after epoch 1.' : 'Accuracy per epoch appears here.'}</p>
        ) : null}
      </div>
    </figure>
  )
}
