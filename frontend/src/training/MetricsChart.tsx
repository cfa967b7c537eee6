/**
 * The live curves: loss per step (raw + smoothed) with validation loss per epoch, and
 * accuracy (or R² for regression) per epoch.
 *
 * Points are APPENDED with `Plotly.extendTraces`, never re-plotted: the view grows by one
 * batch per animation frame (see `useRunEvents`), and each batch becomes one extend call.
 * A full draw happens only for a new run, presenter mode, or a change of metric.
 * The container carries `data-points` (step points drawn) and `data-epochs` (epoch points
 * drawn) so tests can compare what is on screen with the server's record.
 */

import { useEffect, useRef } from 'react'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, SERIES } from './plotly'
import { epochToStep, type RunView } from './reduceEvents'
import { clearPlot, usePlot } from './usePlot'

interface Drawn {
  runId: string
  steps: number
  epochs: number
  presenter: boolean
  key: string
}

function needsFullDraw(drawn: Drawn | null, view: RunView, presenter: boolean, key: string, epochs: number): boolean {
  return (
    !drawn ||
    drawn.runId !== view.runId ||
    drawn.presenter !== presenter ||
    drawn.key !== key ||
    drawn.steps > view.steps.step.length ||
    drawn.epochs > epochs
  )
}

export interface RunChartProps {
  view: RunView | null
}

export function LossChart({ view }: RunChartProps) {
  const plot = usePlot({ minIntervalMs: 100, name: 'loss' })
  const drawn = useRef<Drawn | null>(null)
  const { run, presenter } = plot
  const epochsWithLoss = view ? view.epochPoints.filter((p) => p.val.loss !== undefined) : []

  useEffect(() => {
    const stepCount = view?.steps.step.length ?? 0
    const valEpochs = view ? view.epochPoints.filter((p) => p.val.loss !== undefined) : []
    if (!view || (stepCount === 0 && valEpochs.length === 0)) {
      // Nothing to draw (no run, or a run that has not trained yet): clear what was there.
      // Always queued, never skipped: it must also replace a draw of the previous run that is
      // still waiting for its turn (then nothing is drawn yet, but would be).
      void run((plotly, element) => {
        if (drawn.current || element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
      })
      return
    }
    // Markers on the validation curve while there are few epochs (one redraw when it passes 40).
    const fewEpochs = valEpochs.length <= 40
    const key = `${view.stepsPerEpoch ?? ''}:${fewEpochs}`
    void run(async (plotly, element) => {
      const last = drawn.current
      if (needsFullDraw(last, view, presenter, key, valEpochs.length)) {
        const data: Data[] = [
          {
            type: 'scatter',
            mode: 'lines',
            name: 'raw',
            x: view.steps.step.slice(),
            y: view.steps.loss.slice(),
            line: { color: SERIES.train, width: 1 },
            opacity: 0.3,
            hovertemplate: 'loss %{y:.4f}<extra>raw</extra>',
          },
          {
            type: 'scatter',
            mode: 'lines',
            name: 'smoothed',
            x: view.steps.step.slice(),
            y: view.steps.smoothed.slice(),
            line: { color: SERIES.trainSmooth, width: 2.5 },
            hovertemplate: 'smoothed %{y:.4f}<extra></extra>',
          },
          {
            type: 'scatter',
            mode: fewEpochs ? 'lines+markers' : 'lines',
            name: 'validation',
            x: valEpochs.map((p) => epochToStep(view, p.epoch)),
            y: valEpochs.map((p) => p.val.loss),
            customdata: valEpochs.map((p) => p.epoch),
            line: { color: SERIES.val, width: 2.5 },
            marker: { size: presenter ? 9 : 6 },
            hovertemplate: 'val loss %{y:.4f} (epoch %{customdata})<extra></extra>',
          },
        ]
        const base = baseLayout(element, presenter)
        const layout: Partial<Layout> = {
          ...base,
          hovermode: 'x unified',
          xaxis: { ...base.xaxis, title: { text: 'step (batch)' }, rangemode: 'tozero' },
          yaxis: { ...base.yaxis, title: { text: 'loss' }, rangemode: 'tozero' },
        }
        await plotly.newPlot(element, data, layout, baseConfig)
      } else if (last) {
        const newSteps = stepCount - last.steps
        const newEpochs = valEpochs.length - last.epochs
        const x: number[][] = []
        const y: number[][] = []
        const traces: number[] = []
        if (newSteps > 0) {
          x.push(view.steps.step.slice(last.steps), view.steps.step.slice(last.steps))
          y.push(view.steps.loss.slice(last.steps), view.steps.smoothed.slice(last.steps))
          traces.push(0, 1)
        }
        if (newEpochs > 0) {
          const added = valEpochs.slice(last.epochs)
          x.push(added.map((p) => epochToStep(view, p.epoch)))
          y.push(added.map((p) => p.val.loss))
          traces.push(2)
        }
        if (traces.length === 0) return
        // customdata (the epoch) is not extendable with x/y in one call; the hover shows the step.
        await plotly.extendTraces(element, { x, y }, traces)
      }
      drawn.current = { runId: view.runId, steps: stepCount, epochs: valEpochs.length, presenter, key }
      element.dataset.points = String(stepCount)
      element.dataset.epochs = String(valEpochs.length)
      element.dataset.runId = view.runId
    })
  }, [view, run, presenter])

  const empty = !view || (view.steps.step.length === 0 && epochsWithLoss.length === 0)
  return (
    <figure className="chart-card">
      <figcaption>
        Loss <span className="chart-sub">per step, smoothed · validation per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label="Loss chart" />
        {empty ? (
          <p className="chart-empty">{view ? 'Waiting for the first batch…' : 'Train a model to see its loss fall here.'}</p>
        ) : null}
      </div>
    </figure>
  )
}

/** The per-epoch metric to draw: accuracy for classification, R² for regression. */
function accuracyMetric(view: RunView): { key: string; title: string; percent: boolean } | null {
  const first = view.epochPoints.find((p) => Object.keys(p.val).length > 0 || Object.keys(p.train).length > 0)
  if (!first) return view.task === 'regression' ? { key: 'r2', title: 'R²', percent: false } : { key: 'accuracy', title: 'accuracy', percent: true }
  const keys = { ...first.train, ...first.val }
  if ('accuracy' in keys) return { key: 'accuracy', title: 'accuracy', percent: true }
  if ('r2' in keys) return { key: 'r2', title: 'R²', percent: false }
  if ('mae' in keys) return { key: 'mae', title: 'MAE', percent: false }
  return null
}

export function AccuracyChart({ view }: RunChartProps) {
  const plot = usePlot({ minIntervalMs: 250, name: 'accuracy' })
  const drawn = useRef<Drawn | null>(null)
  const { run, presenter } = plot
  const metric = view ? accuracyMetric(view) : null
  const metricKey = metric?.key ?? null

  useEffect(() => {
    const metric = view ? accuracyMetric(view) : null
    if (!view || !metric || view.epochPoints.length === 0) {
      void run((plotly, element) => {
        if (drawn.current || element.classList.contains('js-plotly-plot')) clearPlot(plotly, element, drawn)
      })
      return
    }
    const points = view.epochPoints
    const value = (record: Record<string, number>) => {
      const v = record[metric.key]
      return v === undefined ? Number.NaN : metric.percent ? v * 100 : v
    }
    void run(async (plotly, element) => {
      const last = drawn.current
      // Whole-epoch ticks while there are few epochs (one redraw when it passes 12).
      const key = `${metric.key}:${points.length <= 12 ? 'few' : points.length <= 40 ? 'some' : 'many'}`
      const mode = points.length <= 40 ? 'lines+markers' : 'lines'
      if (!last || needsFullDraw(last, view, presenter, key, points.length)) {
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
          xaxis: { ...base.xaxis, title: { text: 'epoch' }, dtick: points.length <= 12 ? 1 : undefined, rangemode: 'tozero' },
          yaxis: {
            ...base.yaxis,
            // No axis title: the card says what it is, and long tick labels (57.35%) need the room.
            ticksuffix: metric.percent ? '%' : undefined,
          },
        }
        await plotly.newPlot(element, data, layout, baseConfig)
      } else {
        const added = points.slice(last.epochs)
        if (added.length === 0) return
        const epochs = added.map((p) => p.epoch)
        await plotly.extendTraces(
          element,
          { x: [epochs, epochs.slice()], y: [added.map((p) => value(p.train)), added.map((p) => value(p.val))] },
          [0, 1],
        )
      }
      drawn.current = { runId: view.runId, steps: 0, epochs: points.length, presenter, key }
      element.dataset.epochs = String(points.length)
      element.dataset.runId = view.runId
    })
  }, [view, metricKey, run, presenter])

  return (
    <figure className="chart-card">
      <figcaption>
        {metric && metric.title !== 'accuracy' ? metric.title : 'Accuracy'}{' '}
        <span className="chart-sub">train and validation, per epoch</span>
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label="Accuracy chart" />
        {!view || view.epochPoints.length === 0 ? (
          <p className="chart-empty">{view ? 'The first point appears after epoch 1.' : 'Accuracy per epoch appears here.'}</p>
        ) : null}
      </div>
    </figure>
  )
}
