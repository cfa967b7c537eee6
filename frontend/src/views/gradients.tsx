/**
 * In a node's panel: the histograms of its parameter gradients over time, from `gradients`
 * events. The state also holds each node's output-gradient RMS, which the canvas draws on the
 * edges (editor/ShapeEdge.tsx).
 */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawHistogramHeatmap } from '../inside/charts'
import { atStep } from '../inside/history'
import { initGradients, reduceGradients, type GradientsState } from '../inside/state'
import { registerView, type ViewProps } from './registry'

function GradientHistograms({ runId, nodeId, state, step, version }: ViewProps<GradientsState>) {
  const track = nodeId ? state?.nodes[nodeId] : undefined
  if (!track || !track.items.some((s) => s.histogram)) return null
  const shown = atStep(track, step)
  return (
    <InsideCanvas
      className="inside-chart"
      name="node-gradients"
      runId={runId}
      height={110}
      label={`Gradient histograms of ${nodeId} over training`}
      data={{ snapshots: track.steps.length, step: shown?.step }}
      deps={[version, step, track]}
      draw={(ctx, w, h) => drawHistogramHeatmap(ctx, w, h, track.steps, track.items.map((s) => s.histogram), step === null ? null : (shown?.step ?? null))}
    />
  )
}

registerView<GradientsState>({
  id: 'gradients',
  title: 'Gradients over time',
  description:
    "How the loss gradients of this node's weights are spread at each recorded step (darker: more of them): a band that shrinks to a thin line at zero means almost nothing reaches this node to learn from.",
  eventTypes: ['gradients'],
  places: ['node'],
  order: 40,
  init: initGradients,
  reduce: reduceGradients,
  Component: GradientHistograms,
})
