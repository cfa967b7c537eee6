/**
 * The loss view: training loss per step (raw and smoothed) with the validation loss per epoch.
 * Its state is append-only series (no copy of history per event).
 */

import type { TrainingEvent } from '../api/events'
import { smoothingWeight } from '../training/reduceEvents'
import { LossChart } from '../training/MetricsChart'
import { registerView } from './registry'

export interface LossState {
  stepsPerEpoch: number | null
  /** Epochs planned (the x axis is fixed to the whole run when known). */
  epochs: number | null
  /** Per step point: global batch number, raw loss (NaN for a non-finite one), smoothed loss, epoch. */
  step: number[]
  loss: number[]
  smoothed: number[]
  epochOf: number[]
  /** Running loss average before debiasing, its total weight and its last step. */
  ema: { value: number; norm: number; step: number }
  /** Validation loss per epoch, with its x position on the step axis. */
  val: { epoch: number[]; x: number[]; loss: number[] }
  /** Largest finite loss seen (the y axis is fixed to it until a bigger one comes). */
  max: number
  /** Bumped when a point already there changed (an epoch came again): the chart draws anew. */
  rewrites: number
}

export function initLoss(): LossState {
  return {
    stepsPerEpoch: null,
    epochs: null,
    step: [],
    loss: [],
    smoothed: [],
    epochOf: [],
    ema: { value: 0, norm: 0, step: 0 },
    val: { epoch: [], x: [], loss: [] },
    max: 0,
    rewrites: 0,
  }
}

/** The x of an epoch's validation point: the end of the epoch (or the last step seen in it). */
function epochX(state: LossState, epoch: number): number {
  if (state.stepsPerEpoch) return epoch * state.stepsPerEpoch
  for (let i = state.epochOf.length - 1; i >= 0; i -= 1) if (state.epochOf[i] <= epoch) return state.step[i]
  return epoch
}

export function reduceLoss(state: LossState, event: TrainingEvent): LossState {
  switch (event.type) {
    case 'status':
      if (event.steps_per_epoch != null) state.stepsPerEpoch = event.steps_per_epoch
      if (event.epochs != null) state.epochs = event.epochs
      break
    case 'step': {
      if (event.steps_per_epoch != null) state.stepsPerEpoch = event.steps_per_epoch
      const loss = typeof event.loss === 'number' ? event.loss : Number.NaN
      if (Number.isFinite(loss)) {
        const w = smoothingWeight(event.step - state.ema.step)
        state.ema = { value: w * state.ema.value + (1 - w) * loss, norm: w * state.ema.norm + (1 - w), step: event.step }
        if (loss > state.max) state.max = loss
      }
      state.step.push(event.step)
      state.loss.push(loss)
      state.smoothed.push(state.ema.norm > 0 ? state.ema.value / state.ema.norm : Number.NaN)
      state.epochOf.push(event.epoch)
      break
    }
    case 'epoch': {
      const loss = event.val?.loss
      if (loss === undefined || loss === null) break
      if (Number.isFinite(loss) && loss > state.max) state.max = loss
      const { val } = state
      const at = val.epoch.length
      if (at === 0 || val.epoch[at - 1] < event.epoch) {
        val.epoch.push(event.epoch)
        val.x.push(epochX(state, event.epoch))
        val.loss.push(loss)
      } else {
        let i = val.epoch.findIndex((e) => e >= event.epoch)
        if (val.epoch[i] !== event.epoch) {
          val.epoch.splice(i, 0, event.epoch)
          val.x.splice(i, 0, 0)
          val.loss.splice(i, 0, 0)
        }
        i = val.epoch.indexOf(event.epoch)
        val.x[i] = epochX(state, event.epoch)
        val.loss[i] = loss
        state.rewrites += 1
      }
      break
    }
    default:
      break
  }
  return state
}

registerView<LossState>({
  id: 'loss',
  title: 'Loss',
  description:
    'The training loss after every few batches (faint: raw, bold: smoothed) and the validation loss after each epoch; both should fall, and a validation curve that turns up while training keeps falling means overfitting.',
  eventTypes: ['status', 'step', 'epoch'],
  places: ['dashboard'],
  order: 10,
  init: initLoss,
  reduce: reduceLoss,
  Component: LossChart,
})
