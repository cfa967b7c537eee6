import { describe, expect, it } from 'vitest'
import type { TrainingEvent } from '../api/events'
import {
  epochToStep,
  initialRunView,
  LOSS_SMOOTHING,
  MIN_SMOOTHING_WEIGHT,
  perClassMetrics,
  progressOf,
  reduceEvents,
  smoothedLossByEpoch,
  smoothingWeight,
  testMetrics,
} from './reduceEvents'

let seq = 0
const at = (s: number) => ({ run_id: 'r', time: 1000 + s, seq: s })
function next<T extends object>(payload: T) {
  seq += 1
  return { ...at(seq), ...payload } as unknown as TrainingEvent
}

function runStream(epochs = 3, stepsPerEpoch = 4): TrainingEvent[] {
  seq = 0
  const events: TrainingEvent[] = [
    next({ type: 'status', status: 'queued', position: 2 }),
    next({ type: 'status', status: 'running', epochs, steps_per_epoch: stepsPerEpoch, device: 'cpu' }),
  ]
  let step = 0
  for (let epoch = 1; epoch <= epochs; epoch += 1) {
    for (let i = 0; i < stepsPerEpoch; i += 1) {
      step += 1
      events.push(next({ type: 'step', epoch, step, loss: 1 / step, learning_rate: 0.01, samples_per_s: 320 }))
    }
    events.push(next({ type: 'epoch', epoch, train: { loss: 1 / epoch, accuracy: 0.5 + epoch / 10 }, val: { loss: 1.1 / epoch, accuracy: 0.45 + epoch / 10 } }))
    events.push(next({ type: 'confusion_matrix', split: 'val', epoch, labels: ['a', 'b'], matrix: [[epoch, 1], [1, epoch]] }))
  }
  events.push(next({ type: 'evaluation', split: 'test', metrics: { accuracy: 0.964, precision: 0.95, recall: 0.96, f1: 0.955, loss: 0.1, per_class: [{ label: 'a', precision: 1, recall: 1, f1: 1, support: 3 }] } }))
  events.push(next({ type: 'confusion_matrix', split: 'test', labels: ['a', 'b'], matrix: [[9, 0], [1, 8]] }))
  events.push(next({ type: 'status', status: 'completed' }))
  return events
}

describe('reduceEvents', () => {
  it('folds a whole run into the dashboard view', () => {
    const events = runStream()
    const view = reduceEvents(initialRunView('r'), events)
    expect(view.lastSeq).toBe(events.length)
    expect(view.status).toBe('completed')
    expect(view.steps.step).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(view.steps.loss[3]).toBeCloseTo(0.25)
    expect(view.epochPoints.map((p) => p.epoch)).toEqual([1, 2, 3])
    expect(view.epochPoints[2].val.accuracy).toBeCloseTo(0.75)
    expect(view.confusion.val?.epoch).toBe(3)
    expect(view.confusion.test?.matrix).toEqual([[9, 0], [1, 8]])
    expect(view.task).toBe('classification')
    expect(view.epochs).toBe(3)
    expect(view.stepsPerEpoch).toBe(4)
    expect(view.device).toBe('cpu')
    expect(view.failure).toBeNull()
    expect(testMetrics(view.evaluation).map((m) => m.label)).toEqual(['Test accuracy', 'Precision', 'Recall', 'F1', 'Test loss'])
    expect(perClassMetrics(view.evaluation)).toHaveLength(1)
  })

  it('gives the same view fed all at once, one by one, or in uneven batches', () => {
    const events = runStream()
    const once = reduceEvents(initialRunView('r'), events)
    let oneByOne = initialRunView('r')
    for (const e of events) oneByOne = reduceEvents(oneByOne, [e])
    let batched = initialRunView('r')
    for (let i = 0; i < events.length; i += 7) batched = reduceEvents(batched, events.slice(i, i + 7))
    expect(oneByOne).toEqual(once)
    expect(batched).toEqual(once)
  })

  it('drops duplicate and out-of-order seq', () => {
    const events = runStream()
    const clean = reduceEvents(initialRunView('r'), events)
    // A replay overlapping what was already applied, duplicates, and a late old message.
    const messy = [...events.slice(0, 10), ...events.slice(5, 12), events[3], events[11], ...events.slice(8)]
    const view = reduceEvents(initialRunView('r'), messy)
    expect(view).toEqual(clean)
    expect(view.eventCount).toBe(events.length)
    expect(new Set(view.steps.step).size).toBe(view.steps.step.length)
  })

  it('ends a view that has not ended on a final status numbered before what it holds, and only once', () => {
    const events = runStream()
    const partial = reduceEvents(initialRunView('r'), events.slice(0, 10))
    const end = { ...at(4), type: 'status', status: 'interrupted', message: 'The server stopped.' } as unknown as TrainingEvent
    const ended = reduceEvents(partial, [end])
    expect(ended.status).toBe('interrupted')
    expect(ended.finishedAt).toBe(1004)
    expect(ended.lastSeq).toBe(partial.lastSeq)
    expect(reduceEvents(ended, [end])).toBe(ended) // a second copy changes nothing
  })

  it('returns the same object when nothing is new, and only appends to what its input held', () => {
    const events = runStream()
    const first = reduceEvents(initialRunView('r'), events.slice(0, 8))
    const snapshot = structuredClone(first)
    const again = reduceEvents(first, events.slice(0, 8))
    expect(again).toBe(first)
    const later = reduceEvents(first, events.slice(8))
    expect(later).not.toBe(first)
    // The series are appended in place (no copy of history): the old view's scalars and entries stay.
    expect(later.steps.step).toBe(first.steps.step)
    expect({ ...first, steps: snapshot.steps, epochPoints: snapshot.epochPoints }).toEqual(snapshot)
    expect(first.steps.step.slice(0, snapshot.steps.step.length)).toEqual(snapshot.steps.step)
    expect(first.epochPoints.slice(0, snapshot.epochPoints.length)).toEqual(snapshot.epochPoints)
    expect(later.steps.step.length).toBeGreaterThan(snapshot.steps.step.length)
  })

  it('copies the epoch list (not appends) when an epoch comes again or out of order', () => {
    const events = runStream(3, 4)
    const view = reduceEvents(initialRunView('r'), events)
    const held = view.epochPoints
    const again = { ...at(100), type: 'epoch', epoch: 2, train: { loss: 9 }, val: {} } as unknown as TrainingEvent
    const next = reduceEvents(view, [again])
    expect(next.epochPoints).not.toBe(held)
    expect(held[1].train.loss).toBeCloseTo(0.5)
    expect(next.epochPoints.map((p) => p.epoch)).toEqual([1, 2, 3])
    expect(next.epochPoints[1].train.loss).toBe(9)
  })

  it('ignores events of another run', () => {
    const view = reduceEvents(initialRunView('r'), [{ seq: 1, run_id: 'other', time: 0, type: 'status', status: 'running' }])
    expect(view.lastSeq).toBe(0)
  })

  it('smooths the loss with a debiased moving average over steps and keeps raw values', () => {
    seq = 0
    const points: [number, number | null][] = [[1, 1], [2, 0], [3, 1], [4, null], [5, 0], [100, 5]]
    const events = points.map(([step, loss]) => next({ type: 'step', epoch: 1, step, loss, learning_rate: 1, samples_per_s: 1 }))
    const view = reduceEvents(initialRunView('r'), events)
    expect(view.steps.smoothed[0]).toBeCloseTo(1) // debiased: the first value is itself
    const w = smoothingWeight(1)
    expect(w).toBeCloseTo(LOSS_SMOOTHING)
    expect(view.steps.smoothed[1]).toBeCloseTo((w * (1 - w) * 1 + (1 - w) * 0) / (w * (1 - w) + (1 - w)))
    expect(Number.isNaN(view.steps.loss[3])).toBe(true) // a non-finite loss is a gap …
    expect(Number.isFinite(view.steps.smoothed[3])).toBe(true) // … the average carries on
    // A point 95 steps later weighs more than a neighbouring one would (never less than 1 - MIN).
    const before = view.steps.smoothed[4]
    expect(view.steps.smoothed[5] - before).toBeGreaterThanOrEqual((5 - before) * (1 - MIN_SMOOTHING_WEIGHT) - 1e-9)
  })

  it('tracks the queue position, then progress, speed and ETA', () => {
    const events = runStream(3, 4)
    const queued = reduceEvents(initialRunView('r'), events.slice(0, 1))
    expect(queued.status).toBe('queued')
    expect(queued.position).toBe(2)
    // Running since seq 2 (t=1002); step 6 is seq 10 (t=1010): 6 steps in 8 s.
    const running = reduceEvents(initialRunView('r'), events.slice(0, 10))
    expect(running.position).toBeNull()
    const p = progressOf(running)
    expect(p.epoch).toBe(2)
    expect(p.step).toBe(6)
    expect(p.totalSteps).toBe(12)
    expect(p.fraction).toBeCloseTo(0.5)
    expect(running.stepsPerS).toBeCloseTo(6 / 8)
    expect(p.etaS).toBeCloseTo(8)
    expect(progressOf(reduceEvents(initialRunView('r'), events)).fraction).toBe(1)
    expect(progressOf(reduceEvents(initialRunView('r'), events)).etaS).toBeNull()
  })

  it('keeps the failure reason and hint of a failed run', () => {
    seq = 0
    const view = reduceEvents(initialRunView('r'), [
      next({ type: 'status', status: 'running' }),
      next({ type: 'status', status: 'failed', code: 'non_finite_loss', message: 'The loss became NaN in epoch 2, batch 7.', hint: 'Lower the learning rate.' }),
    ])
    expect(view.failure).toEqual({
      status: 'failed',
      code: 'non_finite_loss',
      message: 'The loss became NaN in epoch 2, batch 7.',
      hint: 'Lower the learning rate.',
      nodeId: null,
    })
  })


  it('recognises regression from its metrics and keeps the latest boundary', () => {
    seq = 0
    const view = reduceEvents(initialRunView('r'), [
      next({ type: 'epoch', epoch: 1, train: { loss: 1, mse: 1, mae: 1, r2: 0.1 }, val: { loss: 1, mse: 1, r2: 0.2 } }),
      next({ type: 'decision_boundary', epoch: 1, x_range: [0, 1], y_range: [0, 1], resolution: 2, grid: [[0, 1], [1, 0]], points: [] }),
      next({ type: 'decision_boundary', epoch: 2, x_range: [0, 1], y_range: [0, 1], resolution: 2, grid: [[1, 1], [1, 0]], points: [] }),
      next({ type: 'evaluation', split: 'test', metrics: { mse: 0.5, mae: 0.4, r2: 0.9 } }),
    ])
    expect(view.task).toBe('regression')
    expect(view.boundary?.epoch).toBe(2)
    expect(testMetrics(view.evaluation).map((m) => m.key)).toEqual(['mse', 'mae', 'r2'])
  })

  it('places validation points on the step axis', () => {
    const view = reduceEvents(initialRunView('r'), runStream(3, 4))
    expect(epochToStep(view, 2)).toBe(8)
    const noLength = { ...view, stepsPerEpoch: null }
    expect(epochToStep(noLength, 2)).toBe(8)
  })
})

describe('smoothedLossByEpoch', () => {
  const steps = (stepsPerEpoch: number | null): TrainingEvent[] => [
    { type: 'status', seq: 1, run_id: 'r', time: 0, status: 'running', steps_per_epoch: stepsPerEpoch },
    { type: 'step', seq: 2, run_id: 'r', time: 1, epoch: 1, step: 50, loss: 1, learning_rate: 0.1, samples_per_s: 1 },
    { type: 'step', seq: 3, run_id: 'r', time: 2, epoch: 2, step: 150, loss: 0.5, learning_rate: 0.1, samples_per_s: 1 },
  ] as TrainingEvent[]

  it('puts step s of n-step epochs at s / n, so other batch sizes line up', () => {
    const { x, y } = smoothedLossByEpoch(reduceEvents(initialRunView('r'), steps(100)))
    expect(x).toEqual([0.5, 1.5])
    expect(y).toHaveLength(2)
    expect(y[0]).toBeCloseTo(1)
    expect(y[1]).toBeLessThan(1)
  })

  it('falls back to the epoch of each point without the epoch length', () => {
    expect(smoothedLossByEpoch(reduceEvents(initialRunView('r'), steps(null))).x).toEqual([1, 2])
  })
})
