/**
 * The confusion-matrix view: the validation matrix after each epoch (every one kept, for the
 * scrubber) and the test matrix at the end. A click on a cell picks it (`confusionCell` in the
 * run store) for the views that show its examples.
 */

import type { ConfusionMatrixEvent, TrainingEvent } from '../api/events'
import { ConfusionMatrix } from '../training/ConfusionMatrix'
import { pushEpochSnapshot, type Snapshot } from './history'
import { registerView } from './registry'

export interface ConfusionState {
  stepsPerEpoch: number | null
  /** Newest step seen (where a matrix without a known epoch length is placed). */
  step: number
  /** Validation matrices by step, oldest first. */
  val: Snapshot<ConfusionMatrixEvent>[]
  test: ConfusionMatrixEvent | null
}

export function reduceConfusion(state: ConfusionState, event: TrainingEvent): ConfusionState {
  switch (event.type) {
    case 'status':
      if (event.steps_per_epoch != null) state.stepsPerEpoch = event.steps_per_epoch
      break
    case 'step':
      state.step = event.step
      break
    case 'confusion_matrix':
      if (event.split === 'test') state.test = event
      else if (event.split === 'val') {
        pushEpochSnapshot(state.val, state, event.epoch ?? null, event)
      }
      break
    default:
      break
  }
  return state
}

registerView<ConfusionState>({
  id: 'confusion',
  title: 'Confusion matrix',
  description:
    'How often each true class (rows) was predicted as each class (columns): a good model puts its counts on the diagonal; a bright cell off it is a pair of classes the network confuses (click it to see those examples).',
  eventTypes: ['status', 'step', 'confusion_matrix'],
  places: ['dashboard'],
  order: 30,
  init: () => ({ stepsPerEpoch: null, step: 0, val: [], test: null }),
  reduce: reduceConfusion,
  isAvailable: (_state, ctx) => ctx.task === null || ctx.task === 'classification',
  Component: ConfusionMatrix,
})
