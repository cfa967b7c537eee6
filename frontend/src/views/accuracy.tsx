/**
 * The accuracy view: accuracy (R² or MAE for regression) on the training and validation splits
 * after each epoch.
 */

import type { TrainingEvent } from '../api/events'
import { AccuracyChart } from '../training/MetricsChart'
import { inferTask, type Task } from '../training/reduceEvents'
import { registerView } from './registry'

export interface AccuracyPoint {
  epoch: number
  train: Record<string, number>
  val: Record<string, number>
}

export interface AccuracyState {
  /** Epochs planned (the x axis is fixed to the whole run when known). */
  epochs: number | null
  /** Steps per epoch (a scrubbed step's epoch). */
  stepsPerEpoch: number | null
  /** By epoch, no duplicates; appended in place. */
  points: AccuracyPoint[]
  task: Task | null
  /** Bumped when a point already there changed (an epoch came again): the chart draws anew. */
  rewrites: number
}

export function reduceAccuracy(state: AccuracyState, event: TrainingEvent): AccuracyState {
  if (event.type === 'status') {
    if (event.epochs != null) state.epochs = event.epochs
    if (event.steps_per_epoch != null) state.stepsPerEpoch = event.steps_per_epoch
    return state
  }
  if (event.type === 'evaluation') {
    state.task ??= inferTask(event.metrics)
    return state
  }
  if (event.type !== 'epoch') return state
  const point: AccuracyPoint = { epoch: event.epoch, train: event.train, val: event.val ?? {} }
  const points = state.points
  if (points.length === 0 || points[points.length - 1].epoch < event.epoch) {
    points.push(point)
  } else {
    const at = points.findIndex((p) => p.epoch >= event.epoch)
    if (points[at].epoch === event.epoch) points[at] = point
    else points.splice(at, 0, point)
    state.rewrites += 1
  }
  state.task ??= inferTask({ ...event.train, ...event.val })
  return state
}

registerView<AccuracyState>({
  id: 'accuracy',
  title: 'Accuracy',
  description:
    'The share of examples the network gets right on the training and validation splits after each epoch (R² for regression); a widening gap between the two means it memorises rather than learns.',
  eventTypes: ['status', 'epoch', 'evaluation'],
  places: ['dashboard'],
  order: 20,
  init: () => ({ epochs: null, stepsPerEpoch: null, points: [], task: null, rewrites: 0 }),
  reduce: reduceAccuracy,
  Component: AccuracyChart,
})
