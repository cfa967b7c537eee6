/** In a node's panel: its weight histograms over time (a heatmap of counts by step), from `weights` events. */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawHistogramHeatmap } from '../inside/charts'
import { atStep } from '../inside/history'
import { shortNumber } from '../inside/draw'
import { initWeights, reduceWeights, type WeightsState } from '../inside/state'
import { registerView, type ViewProps } from './registry'

function WeightHistograms({ runId, nodeId, state, step, version }: ViewProps<WeightsState>) {
  const track = nodeId ? state?.nodes[nodeId] : undefined
  if (!track || !track.items.some((s) => s.histogram)) return null
  const shown = atStep(track, step)
  return (
    <>
      <InsideCanvas
        className="inside-chart"
        name="node-weights"
        runId={runId}
        height={110}
        label={`Weight histograms of ${nodeId} over training`}
        data={{ snapshots: track.steps.length, step: shown?.step }}
        deps={[version, step, track]}
        draw={(ctx, w, h) => drawHistogramHeatmap(ctx, w, h, track.steps, track.items.map((s) => s.histogram), step === null ? null : (shown?.step ?? null))}
      />
      {shown && (
        <p className="inside-readout">
          Step {shown.step}: mean {shortNumber(shown.mean)}, std {shortNumber(shown.std)}
          {shown.norm !== null ? `, norm ${shortNumber(shown.norm)}` : ''}.
        </p>
      )}
    </>
  )
}

registerView<WeightsState>({
  id: 'weights',
  title: 'Weights over time',
  description:
    "Each column is one recorded step, each row a range of weight values, darker where more weights lie: a band that widens means the weights grow, one that stays put means this node barely learns.",
  eventTypes: ['weights'],
  places: ['node'],
  order: 30,
  init: initWeights,
  reduce: reduceWeights,
  Component: WeightHistograms,
})
