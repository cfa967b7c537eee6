/**
 * reduceEvents: a run's event stream folded into what the dashboard shows.
 *
 * Plain TypeScript, no React. `reduceEvents(view, events)` returns a new view object (or the
 * same object when no event was accepted) whose growing series (`steps`, `epochPoints`) are the
 * view's own arrays, appended in place: history is never copied, so feeding it one batch per
 * animation frame costs the new events only, at any length. What a view held stays as it was
 * (its scalar fields, and its series' existing entries); only entries past their old length
 * are added.
 * Events with `seq <= view.lastSeq` are dropped (duplicates, replays, out-of-order messages),
 * so the same stream delivered twice gives the same view; the one exception is a final status
 * reaching a view that has not ended (it always ends it).
 */

import type {
  ClassMetrics,
  ConfusionMatrixEvent,
  DecisionBoundaryEvent,
  EvaluationEvent,
  RunState,
  TrainingEvent,
} from '../api/events'
import { isTerminal } from '../api/events'

/**
 * The smoothed loss is an exponential moving average over *steps*: a point `d` steps after
 * the previous one keeps `LOSS_SMOOTHING ** d` of the average (step events are thinned by
 * time, so points can be many steps apart), clamped so that neither dense nor sparse points
 * make the line lag or jitter.
 */
export const LOSS_SMOOTHING = 0.97
export const MIN_SMOOTHING_WEIGHT = 0.6

export function smoothingWeight(stepGap: number): number {
  return Math.min(LOSS_SMOOTHING, Math.max(MIN_SMOOTHING_WEIGHT, LOSS_SMOOTHING ** Math.max(1, stepGap)))
}

export interface StepSeries {
  /** Global batch number of each point. */
  step: number[]
  /** Raw loss (NaN when the server sent a non-finite value). */
  loss: number[]
  /** Debiased exponential moving average of `loss`. */
  smoothed: number[]
  /** Epoch of each point. */
  epoch: number[]
}

export interface EpochPoint {
  epoch: number
  train: Record<string, number>
  val: Record<string, number>
  learningRate: number | null
  durationS: number | null
}

export interface RunFailure {
  status: RunState
  code: string | null
  message: string
  hint: string | null
  nodeId: string | null
}

export type Task = 'classification' | 'regression' | 'forecast' | 'language_model'

export interface RunView {
  runId: string
  /** Highest `seq` applied. */
  lastSeq: number
  /** Events applied (after dropping duplicates). */
  eventCount: number
  status: RunState | null
  /** Place in the queue while queued (1 = next). */
  position: number | null
  failure: RunFailure | null
  device: string | null
  /** Epochs planned. */
  epochs: number | null
  stepsPerEpoch: number | null
  /** Latest epoch seen in a step or epoch event. */
  epoch: number
  /** Latest global batch number. */
  step: number
  learningRate: number | null
  samplesPerS: number | null
  /** Training speed in batches per second, measured over event times since the run (re)started. */
  stepsPerS: number | null
  /** Where the speed measurement starts: a step number and its event time. */
  rateAnchor: { step: number; time: number } | null
  startedAt: number | null
  finishedAt: number | null
  /** Time of the latest event. */
  lastTime: number | null
  steps: StepSeries
  /** Running loss average before debiasing, its total weight (`smoothed = value / norm`), and its last step. */
  ema: { value: number; norm: number; step: number }
  /** One entry per epoch, ordered by epoch, no duplicates. */
  epochPoints: EpochPoint[]
  confusion: { val: ConfusionMatrixEvent | null; test: ConfusionMatrixEvent | null }
  boundary: DecisionBoundaryEvent | null
  evaluation: EvaluationEvent | null
  task: Task | null
}

export function initialRunView(runId: string): RunView {
  return {
    runId,
    lastSeq: 0,
    eventCount: 0,
    status: null,
    position: null,
    failure: null,
    device: null,
    epochs: null,
    stepsPerEpoch: null,
    epoch: 0,
    step: 0,
    learningRate: null,
    samplesPerS: null,
    stepsPerS: null,
    rateAnchor: null,
    startedAt: null,
    finishedAt: null,
    lastTime: null,
    steps: { step: [], loss: [], smoothed: [], epoch: [] },
    ema: { value: 0, norm: 0, step: 0 },
    epochPoints: [],
    confusion: { val: null, test: null },
    boundary: null,
    evaluation: null,
    task: null,
  }
}

/**
 * The task a run's metrics name (perplexity → language model, the naive baseline → forecast,
 * accuracy → classification, r2 → regression), if any.
 */
export function inferTask(metrics: Record<string, unknown>): Task | null {
  if ('perplexity' in metrics || 'bits_per_char' in metrics) return 'language_model'
  if ('naive_mae' in metrics || 'naive_mse' in metrics) return 'forecast'
  if ('accuracy' in metrics || 'f1' in metrics || 'precision' in metrics) return 'classification'
  if ('r2' in metrics || 'mse' in metrics || 'mae' in metrics) return 'regression'
  return null
}

/** Apply `events` (in order) to `view`; returns `view` itself when nothing was new. */
export function reduceEvents(view: RunView, events: readonly TrainingEvent[]): RunView {
  let next: RunView | null = null

  for (const event of events) {
    const current: RunView = next ?? view
    // A final status always ends the view, even one numbered at or before what it holds.
    const isLateEnd = event.type === 'status' && isTerminal(event.status) && !isTerminal(current.status)
    if (event.seq <= current.lastSeq && !isLateEnd) continue
    if (event.run_id !== view.runId) continue
    if (!next) next = { ...view }
    const v = next
    v.lastSeq = Math.max(v.lastSeq, event.seq)
    v.eventCount += 1
    v.lastTime = event.time
    if (v.startedAt === null) v.startedAt = event.time

    switch (event.type) {
      case 'status': {
        v.status = event.status
        v.position = event.status === 'queued' ? (event.position ?? null) : null
        if (event.epochs != null) v.epochs = event.epochs
        if (event.steps_per_epoch != null) v.stepsPerEpoch = event.steps_per_epoch
        if (event.device != null) v.device = event.device
        if (event.status === 'running') {
          // (Re)start the speed measurement: time spent queued or paused is not training time.
          v.rateAnchor = { step: v.step, time: event.time }
        }
        if (isTerminal(event.status)) {
          v.finishedAt = event.time
          v.failure =
            event.status === 'failed' || event.message
              ? {
                  status: event.status,
                  code: event.code ?? null,
                  message: event.message ?? (event.status === 'failed' ? 'The run failed.' : ''),
                  hint: event.hint ?? null,
                  nodeId: event.node_id ?? null,
                }
              : null
        } else {
          v.failure = null
        }
        break
      }
      case 'step': {
        const steps = v.steps
        const loss = typeof event.loss === 'number' ? event.loss : Number.NaN
        steps.step.push(event.step)
        steps.loss.push(loss)
        steps.epoch.push(event.epoch)
        if (Number.isFinite(loss)) {
          const w = smoothingWeight(event.step - v.ema.step)
          v.ema = { value: w * v.ema.value + (1 - w) * loss, norm: w * v.ema.norm + (1 - w), step: event.step }
        }
        const smoothed = v.ema.norm > 0 ? v.ema.value / v.ema.norm : Number.NaN
        steps.smoothed.push(smoothed)
        v.epoch = Math.max(v.epoch, event.epoch)
        v.step = event.step
        v.learningRate = event.learning_rate
        v.samplesPerS = event.samples_per_s
        if (event.steps_per_epoch != null) v.stepsPerEpoch = event.steps_per_epoch
        if (!v.rateAnchor) v.rateAnchor = { step: event.step, time: event.time }
        const dt = event.time - v.rateAnchor.time
        if (dt >= 0.5 && event.step > v.rateAnchor.step) v.stepsPerS = (event.step - v.rateAnchor.step) / dt
        break
      }
      case 'epoch': {
        const point: EpochPoint = {
          epoch: event.epoch,
          train: event.train,
          val: event.val ?? {},
          learningRate: event.learning_rate ?? null,
          durationS: event.duration_s ?? null,
        }
        const points = v.epochPoints
        const last = points.length > 0 ? points[points.length - 1].epoch : -Infinity
        if (event.epoch > last) {
          points.push(point) // the usual case: appended in place
        } else {
          // An epoch again or out of order (rare): a new array, so what was drawn is not changed under it.
          const copy = points.slice()
          const at = copy.findIndex((p) => p.epoch >= event.epoch)
          if (copy[at].epoch === event.epoch) copy[at] = point
          else copy.splice(at, 0, point)
          v.epochPoints = copy
        }
        v.epoch = Math.max(v.epoch, event.epoch)
        // Step events are throttled; the end of an epoch pins the step count exactly.
        if (v.stepsPerEpoch) v.step = Math.max(v.step, event.epoch * v.stepsPerEpoch)
        if (event.learning_rate != null) v.learningRate = event.learning_rate
        v.task ??= inferTask({ ...event.train, ...event.val })
        break
      }
      case 'confusion_matrix': {
        if (event.split === 'test') v.confusion = { ...v.confusion, test: event }
        else if (event.split === 'val') v.confusion = { ...v.confusion, val: event }
        break
      }
      case 'decision_boundary':
        v.boundary = event
        break
      case 'evaluation':
        if (event.split === 'test' || !v.evaluation) v.evaluation = event
        v.task ??= inferTask(event.metrics)
        break
      default:
        // activations, weights, gradients, diagnostic, samples: their own views (views/).
        break
    }
  }

  if (!next) return view
  return next
}

export interface Progress {
  epoch: number
  epochs: number | null
  step: number
  totalSteps: number | null
  /** 0..1 when the total is known. */
  fraction: number | null
  etaS: number | null
}

/** Epoch x of y, step, and the time left at the current speed. */
export function progressOf(view: RunView): Progress {
  const totalSteps = view.epochs != null && view.stepsPerEpoch != null ? view.epochs * view.stepsPerEpoch : null
  let fraction: number | null = null
  if (view.status === 'completed') fraction = 1
  else if (totalSteps) fraction = Math.min(1, view.step / totalSteps)
  else if (view.epochs) fraction = Math.min(1, view.epochPoints.length / view.epochs)
  const running = view.status === 'running'
  const etaS =
    running && totalSteps != null && view.stepsPerS != null && view.stepsPerS > 0
      ? Math.max(0, (totalSteps - view.step) / view.stepsPerS)
      : null
  return { epoch: view.epoch, epochs: view.epochs, step: view.step, totalSteps, fraction, etaS }
}

export interface TestMetric {
  key: string
  label: string
  value: number
  /** How to print it: a percentage or a plain number. */
  format: 'percent' | 'number'
}

const METRIC_LABELS: Record<string, [string, TestMetric['format']]> = {
  accuracy: ['Test accuracy', 'percent'],
  precision: ['Precision', 'percent'],
  recall: ['Recall', 'percent'],
  f1: ['F1', 'percent'],
  loss: ['Test loss', 'number'],
  mse: ['MSE', 'number'],
  mae: ['MAE', 'number'],
  r2: ['R²', 'number'],
  naive_mae: ['MAE of repeating the last value', 'number'],
  perplexity: ['Perplexity', 'number'],
  bits_per_char: ['Bits per character', 'number'],
}

/** The final metrics in display order, with labels (`per_class` handled separately). */
export function testMetrics(evaluation: EvaluationEvent | null): TestMetric[] {
  if (!evaluation) return []
  const out: TestMetric[] = []
  for (const key of ['accuracy', 'precision', 'recall', 'f1', 'bits_per_char', 'perplexity', 'mse', 'mae', 'naive_mae', 'r2', 'loss']) {
    const value = evaluation.metrics[key]
    if (typeof value !== 'number') continue
    const [label, format] = METRIC_LABELS[key]
    out.push({ key, label, value, format })
  }
  return out
}

export function perClassMetrics(evaluation: EvaluationEvent | null): ClassMetrics[] {
  const value = evaluation?.metrics.per_class
  return Array.isArray(value) ? value : []
}

/** The x position of an epoch's validation point on the per-step loss chart. */
/**
 * The smoothed training loss on an epoch axis (step 150 of 100-step epochs → 1.5), so that runs
 * with other batch sizes line up in a comparison. Without the epoch length a point sits at the
 * end of its epoch.
 */
export function smoothedLossByEpoch(view: RunView): { x: number[]; y: number[] } {
  const { step, epoch, smoothed } = view.steps
  const perEpoch = view.stepsPerEpoch
  return { x: step.map((s, i) => (perEpoch ? s / perEpoch : epoch[i])), y: smoothed.slice() }
}

export function epochToStep(view: RunView, epoch: number): number {
  if (view.stepsPerEpoch) return epoch * view.stepsPerEpoch
  // Without the epoch length, use the last step seen in that epoch.
  const { epoch: epochs, step } = view.steps
  for (let i = epochs.length - 1; i >= 0; i -= 1) if (epochs[i] <= epoch) return step[i]
  return epoch
}
