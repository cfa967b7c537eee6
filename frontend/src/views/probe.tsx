/**
 * In a node's panel: the probe example's values at this node — the vector of a dense layer as
 * bars, the feature maps of a convolution as a grid — and on 2-D data sets each unit's output
 * over the whole plane. Folds the probe payloads of the `activations` events (kept fewer: they
 * are bigger).
 */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawBars } from '../inside/charts'
import { drawTiles } from '../inside/draw'
import { atStep } from '../inside/history'
import { decoded, mapsOf } from '../inside/quantized'
import type { Quantized } from '../inside/types'
import { initProbe, reduceProbe, type ProbeState } from '../inside/state'
import { registerView, type ViewProps } from './registry'

/** Width of the tile grids in the panel (CSS px; the inspector is about 280 px inside). */
const GRID_WIDTH = 256

function splitWords(split: string): string {
  return split === 'val' ? 'Validation' : split === 'test' ? 'Test' : 'Training'
}

function Grid({ runId, nodeId, q, isPlane, step }: { runId: string; nodeId: string; q: Quantized; isPlane: boolean; step: number }) {
  const d = decoded(q)
  const { count } = mapsOf(d)
  const limit = isPlane ? 64 : 16
  const shown = Math.min(count, limit)
  const columns = Math.max(1, Math.min(shown, isPlane ? 8 : 4))
  const gap = isPlane ? 3 : 4
  const tile = Math.min(isPlane ? 64 : 96, Math.floor((GRID_WIDTH - (columns - 1) * gap) / columns))
  const rows = Math.ceil(shown / columns)
  return (
    <>
      <InsideCanvas
        className="inside-chart"
        name="node-probe"
        runId={runId}
        width={columns * tile + (columns - 1) * gap}
        height={rows * tile + (rows - 1) * gap}
        label={isPlane ? `Neuron heatmaps of ${nodeId}` : `Feature maps of ${nodeId}`}
        data={{ kind: isPlane ? 'plane' : 'maps', count: shown, step }}
        deps={[q]}
        draw={(ctx) => drawTiles(ctx, d, { columns, tile, gap, limit, signed: isPlane || d.low < 0 })}
      />
      {count > shown && <p className="inside-readout">The first {shown} of {count}.</p>}
    </>
  )
}

function ProbeValues({ runId, nodeId, state, step }: ViewProps<ProbeState>) {
  const snap = nodeId ? atStep(state?.nodes[nodeId], step) : undefined
  if (!snap || !nodeId) return null
  const info = atStep(state.info, step)
  const example = info
    ? `${splitWords(info.split)} example #${info.index}${info.label != null ? ` (label ${info.label}${info.predicted != null ? `, predicted ${info.predicted}` : ''})` : ''}`
    : 'The probe example'
  const values = snap.values && snap.values.length > 0 ? snap.values : null
  return (
    <>
      {values && (
        <>
          <p className="inside-readout">
            {example}, one bar per unit · step {snap.step}
          </p>
          <InsideCanvas
            className="inside-chart"
            name="node-probe-values"
            runId={runId}
            height={90}
            label={`Values of ${nodeId} for the probe example`}
            data={{ kind: 'values', count: values.length, step: snap.step }}
            deps={[values]}
            draw={(ctx, w, h) => drawBars(ctx, w, h, values)}
          />
        </>
      )}
      {snap.maps && (
        <>
          <p className="inside-readout">
            {example}, one image per feature map · step {snap.step}
          </p>
          <Grid runId={runId} nodeId={nodeId} q={snap.maps} isPlane={false} step={snap.step} />
        </>
      )}
      {snap.plane && (
        <>
          <p className="inside-readout">Each unit over the whole plane (the decision boundary's area) · step {snap.step}</p>
          <Grid runId={runId} nodeId={nodeId} q={snap.plane} isPlane step={snap.step} />
        </>
      )}
      {snap.omitted && <p className="inside-readout">{snap.omitted}</p>}
    </>
  )
}

registerView<ProbeState>({
  id: 'probe',
  title: 'What this node computes',
  description:
    "For one example (the probe): one bar per unit (blue positive, orange negative) or one image per feature map (darker blue where a filter responds more); on 2-D data also each unit over the whole plane, as in TensorFlow Playground (blue high, orange negative, white near zero; each image scaled to its own range).",
  eventTypes: ['activations'],
  places: ['node'],
  order: 20,
  init: initProbe,
  reduce: reduceProbe,
  Component: ProbeValues,
})
