/**
 * The forecast view: the series around the validation range — the training values just before
 * it (context), the true values, the model's one-step predictions (each from the true window) and
 * its free-running rollout (fed its own predictions from the first validation window on). Drawn
 * anew after every epoch (`samples` events of kind `forecast`); the scrubber shows an earlier one.
 */

import type { TrainingEvent } from '../api/events'
import { useScrubStep } from '../inside/useScrubStep'
import { LineCanvas } from '../training/LineCanvas'
import { SERIES } from '../training/plotly'
import { pushEpochSnapshot, snapshotAt, type Snapshot } from './history'
import { registerView, type ViewProps } from './registry'

export interface ForecastSample {
  epoch: number | null
  /** Positions: context at -context.length … -1, the validation range at 0 … actual.length - 1. */
  x: number[]
  context: number[]
  actual: number[]
  oneStep: number[]
  rollout: number[]
}

export interface ForecastState {
  stepsPerEpoch: number | null
  step: number
  history: Snapshot<ForecastSample>[]
}

const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? x : Number.NaN)) : [])

/** One `samples` item of kind `forecast`, with every series on one x axis (NaN outside a series' range). */
export function parseForecast(item: Record<string, unknown>, epoch: number | null): ForecastSample {
  const context = numbers(item.context)
  const actual = numbers(item.actual)
  const n = context.length + actual.length
  const x = Array.from({ length: n }, (_, i) => i - context.length)
  const pad = (values: number[], before: number) => {
    const out = new Array<number>(n).fill(Number.NaN)
    for (let i = 0; i < values.length && before + i < n; i += 1) out[before + i] = values[i]
    return out
  }
  return {
    epoch: typeof item.epoch === 'number' ? item.epoch : epoch,
    x,
    context: pad(context, 0),
    actual: pad(actual, context.length),
    oneStep: pad(numbers(item.one_step), context.length),
    rollout: pad(numbers(item.rollout), context.length),
  }
}

export function reduceForecast(state: ForecastState, event: TrainingEvent): ForecastState {
  switch (event.type) {
    case 'status':
      if (event.steps_per_epoch != null) state.stepsPerEpoch = event.steps_per_epoch
      break
    case 'step':
      state.step = event.step
      break
    case 'samples': {
      if (event.kind !== 'forecast') break
      const item = event.items[0] as Record<string, unknown> | undefined
      if (!item) break
      const sample = parseForecast(item, event.epoch ?? null)
      pushEpochSnapshot(state.history, state, sample.epoch, sample)
      break
    }
    default:
      break
  }
  return state
}

const four = (v: number) => String(Number(v.toPrecision(4)))

export function ForecastChart({ runId, state, version }: ViewProps<ForecastState>) {
  const scrub = useScrubStep(runId)
  const sample = snapshotAt(state.history, scrub)
  const n = sample?.x.length ?? 0
  return (
    <figure className="chart-card">
      <figcaption>
        Forecast <span className="chart-sub">{sample?.epoch != null ? `after epoch ${sample.epoch} · ` : ''}validation range, one step ahead and free-running</span>
      </figcaption>
      <div className="chart-wrap">
        <LineCanvas
          name="forecast"
          runId={runId}
          label="Forecast chart"
          build={() =>
            sample
              ? {
                  series: [
                    { name: 'training (context)', color: '#999999', width: 1.5, x: sample.x, y: sample.context, count: n, format: four },
                    { name: 'actual', color: SERIES.train, width: 2, x: sample.x, y: sample.actual, count: n, format: four },
                    { name: 'one step ahead', color: SERIES.val, width: 2, x: sample.x, y: sample.oneStep, count: n, format: four },
                    { name: 'rollout', color: '#2ca02c', width: 2, opacity: 0.85, x: sample.x, y: sample.rollout, count: n, format: four },
                  ],
                  x: { min: null, max: null, title: 'time step (0 = start of validation)', integer: true },
                  y: { min: null, max: null, title: 'value' },
                  marker: 0,
                }
              : null
          }
          deps={[runId, state, version, scrub]}
          xLabel={(x) => `t = ${x}`}
          afterDraw={(element) => {
            element.dataset.points = String(n)
            element.dataset.epoch = String(sample?.epoch ?? '')
            element.dataset.runId = runId
          }}
        />
        {!sample ? <p className="chart-empty">{runId ? 'The forecast is drawn after the first epoch.' : 'Train a forecaster to see its prediction over the series.'}</p> : null}
      </div>
    </figure>
  )
}

registerView<ForecastState>({
  id: 'forecast',
  title: 'Forecast',
  description:
    'The series over the validation range with the model’s one-step-ahead predictions (each from the true window) and a free-running rollout that feeds the model its own predictions: the rollout drifts away first, and how long it holds is how well the model has learnt the dynamics.',
  eventTypes: ['status', 'step', 'samples'],
  places: ['dashboard'],
  order: 15,
  init: () => ({ stepsPerEpoch: null, step: 0, history: [] }),
  reduce: reduceForecast,
  isAvailable: (state, ctx) => ctx.task === 'forecast' || state.history.length > 0,
  Component: ForecastChart,
})
