/**
 * In a node's panel: the node's activation distribution over time (TensorBoard's
 * distributions), from the histograms of the `activations` events. Its state (every node's
 * bounded history and the run's recorded steps) is also what the canvas and the scrubber read.
 */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawBands } from '../inside/charts'
import { atStep } from '../inside/history'
import { shortNumber } from '../inside/draw'
import { initActivations, reduceActivations, type ActivationsState } from '../inside/state'
import { registerView, type ViewProps } from './registry'

function percent(f: number | null): string | null {
  return f === null ? null : `${Math.round(f * 100)} %`
}

function ActivationDistribution({ runId, nodeId, state, step, version }: ViewProps<ActivationsState>) {
  const track = nodeId ? state?.nodes[nodeId] : undefined
  if (!track || track.steps.length === 0) return null
  const shown = atStep(track, step)
  const dead = percent(shown?.dead ?? null)
  const saturated = percent(shown?.saturated ?? null)
  return (
    <>
      <InsideCanvas
        className="inside-chart"
        name="node-activations"
        runId={runId}
        height={120}
        label={`Activation distribution of ${nodeId} over training`}
        data={{ snapshots: track.steps.length, step: shown?.step }}
        deps={[version, step, track]}
        draw={(ctx, w, h) => drawBands(ctx, w, h, track.steps, track.items.map((s) => s.histogram), step === null ? null : (shown?.step ?? null))}
      />
      {shown && (
        <p className="inside-readout">
          Step {shown.step}: mean {shortNumber(shown.mean)}, std {shortNumber(shown.std)}
          {dead ? `, ${dead} dead units` : ''}
          {saturated ? `, ${saturated} saturated` : ''}.
        </p>
      )}
    </>
  )
}

registerView<ActivationsState>({
  id: 'activations',
  title: 'Activation distribution over time',
  description:
    "The spread of this node's outputs at each recorded step: the dark line is the median, the bands hold the middle 38 %, 68 %, 87 % and all of the values; bands collapsing onto one value mean the units stopped responding.",
  eventTypes: ['activations'],
  places: ['node'],
  order: 10,
  init: initActivations,
  reduce: reduceActivations,
  Component: ActivationDistribution,
})
