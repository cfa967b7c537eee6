/**
 * The live curves: loss per step (raw + smoothed) with validation loss per epoch, and
 * accuracy (or R² for regression) per epoch — the `loss` and `accuracy` views
 * (views/loss.tsx, views/accuracy.tsx).
 *
 * Drawn on a canvas (training/lineChart.ts, LineCanvas.tsx): a whole redraw costs well under a
 * millisecond, so the curves follow the run event by event without taking the CPU the run
 * needs. The axes are fixed where the run tells their extent (x: the planned steps or epochs;
 * the loss's y: up to the largest loss seen, rounded up). A scrubbed step shows as a marker.
 * Draws go through the views' scheduler (`useFrameDraw`): at most once per frame, newest state,
 * none out of sight. The chart carries `data-points` (step points drawn) and `data-epochs`
 * (epoch points drawn) so tests can compare what is on screen with the server's record.
 */

import { useRef } from 'react'
import { useScrubStep } from '../inside/useScrubStep'
import type { AccuracyPoint, AccuracyState } from '../views/accuracy'
import type { LossState } from '../views/loss'
import type { ViewProps } from '../views/registry'
import { LineCanvas } from './LineCanvas'
import type { LineChartSpec } from './lineChart'
import { SERIES } from './plotly'

type LineSpec = Omit<LineChartSpec, 'presenter' | 'color' | 'hoverX'>

const loss4 = (v: number) => v.toFixed(4)

/** Least time between two redraws (ms): a canvas redraw is cheap, so about every other frame. */
const LOSS_INTERVAL_MS = 33
const ACCURACY_INTERVAL_MS = 33

/** The top of a fixed axis over `max`: the next 1-2-5 step above it (NaN when nothing finite is known). */
export function axisTop(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return Number.NaN
  const scale = 10 ** Math.floor(Math.log10(max * 1.05))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * scale >= max * 1.05) return m * scale
  return 10 * scale
}

export function LossChart({ runId, state, version }: ViewProps<LossState>) {
  const scrub = useScrubStep(runId)
  const empty = !runId || (state.step.length === 0 && state.val.epoch.length === 0)
  const build = (): LineSpec | null => {
    const steps = state.step.length
    const epochs = state.val.epoch.length
    if (empty) return null
    const xMax = state.epochs && state.stepsPerEpoch ? state.epochs * state.stepsPerEpoch : null
    const yTop = axisTop(state.max)
    return {
      series: [
        { name: 'raw', color: SERIES.train, width: 1, opacity: 0.3, x: state.step, y: state.loss, count: steps, format: loss4 },
        { name: 'smoothed', color: SERIES.trainSmooth, width: 2.5, x: state.step, y: state.smoothed, count: steps, format: loss4 },
        {
          name: 'validation',
          color: SERIES.val,
          width: 2.5,
          x: state.val.x,
          y: state.val.loss,
          count: epochs,
          markers: epochs <= 40,
          format: loss4,
        },
      ],
      x: { min: 0, max: xMax, title: 'step (batch)', integer: true },
      y: { min: 0, max: Number.isFinite(yTop) ? yTop : null, title: 'loss' },
      marker: scrub,
    }
  }
  return (
    <figure className="chart-card">
      <figcaption>
        Loss <span className="chart-sub">per step, smoothed · validation per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <LineCanvas
          name="loss"
          runId={runId}
          label="Loss chart"
          build={build}
          deps={[runId, state, version, scrub]}
          minIntervalMs={LOSS_INTERVAL_MS}
          xLabel={(x) => `step ${x}`}
          afterDraw={(element) => {
            element.dataset.points = String(state.step.length)
            element.dataset.epochs = String(state.val.epoch.length)
            element.dataset.runId = runId
          }}
        />
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
  if (!first) {
    if (task === 'language_model') return { key: 'bits_per_char', title: 'Bits per character', percent: false }
    return task === 'regression' || task === 'forecast' ? { key: 'r2', title: 'R²', percent: false } : { key: 'accuracy', title: 'accuracy', percent: true }
  }
  const keys = { ...first.train, ...first.val }
  if ('bits_per_char' in keys) return { key: 'bits_per_char', title: 'Bits per character', percent: false }
  if ('accuracy' in keys) return { key: 'accuracy', title: 'accuracy', percent: true }
  if ('r2' in keys) return { key: 'r2', title: 'R²', percent: false }
  if ('mae' in keys) return { key: 'mae', title: 'MAE', percent: false }
  return null
}

export function AccuracyChart({ runId, state, version }: ViewProps<AccuracyState>) {
  const metric = accuracyMetric(state.points, state.task)
  const scrub = useScrubStep(runId)
  const count = state.points.length
  // The series' arrays grow with the points (append only: each point is converted once).
  const series = useRef<{ runId: string; metric: string; rewrites: number; x: number[]; train: number[]; val: number[] } | null>(null)
  const build = (): LineSpec | null => {
    if (!runId || !metric || count === 0) return null
    let s = series.current
    if (!s || s.runId !== runId || s.metric !== metric.key || s.rewrites !== state.rewrites || s.x.length > count) {
      s = { runId, metric: metric.key, rewrites: state.rewrites, x: [], train: [], val: [] }
      series.current = s
    }
    const value = (record: Record<string, number>) => {
      const v = record[metric.key]
      return v === undefined ? Number.NaN : metric.percent ? v * 100 : v
    }
    for (let i = s.x.length; i < count; i += 1) {
      const p = state.points[i]
      s.x.push(p.epoch)
      s.train.push(value(p.train))
      s.val.push(value(p.val))
    }
    const format = metric.percent ? (v: number) => `${v.toFixed(2)}%` : (v: number) => String(Number(v.toPrecision(4)))
    const markers = count <= 40
    const planned = state.epochs
    // the scrubbed step's epoch (an epoch's point sits at its end)
    const marker = scrub !== null && state.stepsPerEpoch ? scrub / state.stepsPerEpoch : null
    return {
      series: [
        { name: 'train', color: SERIES.train, width: 2.5, x: s.x, y: s.train, count, markers, format },
        { name: 'validation', color: SERIES.val, width: 2.5, x: s.x, y: s.val, count, markers, format },
      ],
      x: { min: 0, max: planned ? planned + 0.5 : null, title: 'epoch', integer: true },
      y: { min: null, max: null, suffix: metric.percent ? '%' : undefined },
      marker,
    }
  }
  return (
    <figure className="chart-card">
      <figcaption>
        {metric && metric.title !== 'accuracy' ? metric.title : 'Accuracy'}{' '}
        <span className="chart-sub">train and validation, per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <LineCanvas
          name="accuracy"
          runId={runId}
          label="Accuracy chart"
          build={build}
          deps={[runId, state, version, scrub, metric?.key]}
          minIntervalMs={ACCURACY_INTERVAL_MS}
          xLabel={(x) => `epoch ${x}`}
          afterDraw={(element) => {
            element.dataset.epochs = String(count)
            element.dataset.runId = runId
          }}
        />
        {!runId || count === 0 ? (
          <p className="chart-empty">{runId ? 'The first point appears after epoch 1.' : 'Accuracy per epoch appears here.'}</p>
        ) : null}
      </div>
    </figure>
  )
}
