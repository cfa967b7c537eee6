/**
 * The decision-boundary view (2-D data sets): the plane coloured by the prediction, the data on
 * top; every boundary kept by step for the scrubber. A click on the plane picks the point
 * (`planePoint` in the run store) for the views that ask the model about it.
 */

import type { DecisionBoundaryEvent, TrainingEvent } from '../api/events'
import { DecisionBoundary } from '../training/DecisionBoundary'
import { inferTask, type Task } from '../training/reduceEvents'
import { pushSnapshot, type Snapshot } from './history'
import { registerView } from './registry'

export interface BoundaryState {
  /** Newest step seen (a boundary is placed at the step it came after). */
  step: number
  /** Boundaries by step, oldest first. */
  history: Snapshot<DecisionBoundaryEvent>[]
  /** Class names, from the confusion matrices. */
  labels: string[] | null
  task: Task | null
}

export function reduceBoundary(state: BoundaryState, event: TrainingEvent): BoundaryState {
  switch (event.type) {
    case 'step':
      state.step = event.step
      break
    case 'epoch':
      state.task ??= inferTask({ ...event.train, ...event.val })
      break
    case 'confusion_matrix':
      state.labels ??= event.labels
      break
    case 'decision_boundary': {
      const own = (event as { step?: unknown }).step
      const at = typeof own === 'number' ? own : state.step
      pushSnapshot(state.history, Math.max(at, state.history[state.history.length - 1]?.step ?? 0), event)
      break
    }
    default:
      break
  }
  return state
}

registerView<BoundaryState>({
  id: 'boundary',
  title: 'Decision boundary',
  description:
    'The plane coloured by what the network predicts at each point, with the data on top: watch the boundary bend around the classes as the network learns (click the plane to ask the model about a point).',
  eventTypes: ['step', 'epoch', 'confusion_matrix', 'decision_boundary'],
  places: ['dashboard'],
  order: 40,
  init: () => ({ step: 0, history: [], labels: null, task: null }),
  reduce: reduceBoundary,
  isAvailable: (state, ctx) => state.history.length > 0 || ctx.datasetKind === '2d',
  Component: DecisionBoundary,
})
