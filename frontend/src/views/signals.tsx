/**
 * In a node's panel: its gradient norm and its update-to-weight ratio over time, on log
 * scales. Reduces nothing of its own: it reads the `weights` and `gradients` views' states.
 */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawLogSeries } from '../inside/charts'
import { shortNumber } from '../inside/draw'
import { atStep } from '../inside/history'
import type { GradientsState, WeightsState } from '../inside/state'
import { getViewState, registerView, type ViewProps } from './registry'

/** The update ratio a healthy layer keeps near (a rule of thumb from CS231n). */
export const HEALTHY_UPDATE_RATIO = 1e-3

function Signals({ runId, nodeId, step, version }: ViewProps<null>) {
  if (!runId || !nodeId) return null
  const grads = getViewState<GradientsState>(runId, 'gradients')?.nodes[nodeId]
  const weights = getViewState<WeightsState>(runId, 'weights')?.nodes[nodeId]
  const hasNorm = grads?.items.some((s) => s.norm !== null) ?? false
  const hasRatio = weights?.items.some((s) => s.updateRatio !== null) ?? false
  if (!hasNorm && !hasRatio) return null
  const g = atStep(grads, step)
  const w = atStep(weights, step)
  return (
    <>
      {grads && hasNorm && (
        <>
          <p className="inside-readout">
            <span className="inside-key" style={{ background: '#2563eb' }} /> gradient norm
            {g?.norm != null ? `: ${shortNumber(g.norm)} at step ${g.step}` : ''}
          </p>
          <InsideCanvas
            className="inside-chart"
            name="node-grad-norm"
            runId={runId}
            height={90}
            label={`Gradient norm of ${nodeId} over training`}
            data={{ snapshots: grads.steps.length }}
            deps={[version, step, grads]}
            draw={(ctx, wd, h) =>
              drawLogSeries(ctx, wd, h, grads.steps, [{ values: grads.items.map((s) => s.norm), color: '#2563eb' }], step === null ? null : (g?.step ?? null))
            }
          />
        </>
      )}
      {weights && hasRatio && (
        <>
          <p className="inside-readout">
            <span className="inside-key" style={{ background: '#ea580c' }} /> update ratio
            {w?.updateRatio != null ? `: ${shortNumber(w.updateRatio)} at step ${w.step}` : ''}{' '}
            <span className="inside-key dashed" /> 1e-3
          </p>
          <InsideCanvas
            className="inside-chart"
            name="node-update-ratio"
            runId={runId}
            height={90}
            label={`Update ratio of ${nodeId} over training`}
            data={{ snapshots: weights.steps.length }}
            deps={[version, step, weights]}
            draw={(ctx, wd, h) =>
              drawLogSeries(
                ctx,
                wd,
                h,
                weights.steps,
                [{ values: weights.items.map((s) => s.updateRatio), color: '#ea580c' }],
                step === null ? null : (w?.step ?? null),
                HEALTHY_UPDATE_RATIO,
              )
            }
          />
        </>
      )}
    </>
  )
}

registerView<null>({
  id: 'signals',
  title: 'Gradient norm and update ratio',
  description:
    "Top: how large this node's weight gradients are (log scale; a fall by many powers of ten means the gradient vanishes). Bottom: how much one step changes the weights relative to their size — near the dashed 1e-3 is healthy, far above is too fast, far below too slow.",
  eventTypes: [],
  places: ['node'],
  order: 50,
  init: () => null,
  reduce: (state) => state,
  Component: Signals,
})
