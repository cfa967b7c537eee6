/**
 * In a node's panel: the probe example's values at this node — the vector of a dense layer as
 * bars, the feature maps of a convolution as a grid, and on 2-D data sets each unit's output
 * over the plane. Folds the probe payloads of the `activations` events (kept fewer: they are
 * bigger).
 */

import { InsideCanvas } from '../inside/InsideCanvas'
import { drawBars } from '../inside/charts'
import { drawTiles } from '../inside/draw'
import { atStep } from '../inside/history'
import { decoded, mapsOf } from '../inside/quantized'
import { initProbe, reduceProbe, type ProbeState } from '../inside/state'
import { registerView, type ViewProps } from './registry'

function splitWords(split: string): string {
  return split === 'val' ? 'Validation' : split === 'test' ? 'Test' : 'Training'
}

function ProbeValues({ runId, nodeId, state, step }: ViewProps<ProbeState>) {
  const snap = nodeId ? atStep(state?.nodes[nodeId], step) : undefined
  if (!snap) return null
  const info = atStep(state.info, step)
  const caption = info
    ? `${splitWords(info.split)} example #${info.index}${info.label !== null ? `, label ${info.label}` : ''}${info.predicted !== null ? `, predicted ${info.predicted}` : ''} · step ${snap.step}`
    : `Step ${snap.step}`
  const q = snap.plane ?? snap.maps
  if (q) {
    const d = decoded(q)
    const { count } = mapsOf(d)
    const isPlane = snap.plane !== null
    const limit = isPlane ? 64 : 16
    const shown = Math.min(count, limit)
    const columns = Math.min(shown, isPlane ? 8 : 4)
    const gap = 4
    const tile = Math.floor((272 - (columns - 1) * gap) / columns)
    const rows = Math.ceil(shown / columns)
    return (
      <>
        <p className="inside-readout">{isPlane ? `Each unit over the plane · step ${snap.step}` : caption}</p>
        <InsideCanvas
          className="inside-chart"
          name="node-probe"
          runId={runId}
          width={columns * tile + (columns - 1) * gap}
          height={rows * tile + (rows - 1) * gap}
          label={isPlane ? `Neuron heatmaps of ${nodeId}` : `Feature maps of ${nodeId}`}
          data={{ kind: isPlane ? 'plane' : 'maps', count: shown, step: snap.step }}
          deps={[q]}
          draw={(ctx) => drawTiles(ctx, d, { columns, tile, gap, limit, signed: isPlane || d.low < 0 })}
        />
        {count > shown && <p className="inside-readout">First {shown} of {count}.</p>}
      </>
    )
  }
  if (snap.values && snap.values.length > 0) {
    const values = snap.values
    return (
      <>
        <p className="inside-readout">{caption}</p>
        <InsideCanvas
          className="inside-chart"
          name="node-probe"
          runId={runId}
          height={90}
          label={`Values of ${nodeId} for the probe example`}
          data={{ kind: 'values', count: values.length, step: snap.step }}
          deps={[values]}
          draw={(ctx, w, h) => drawBars(ctx, w, h, values)}
        />
      </>
    )
  }
  return snap.omitted ? <p className="inside-readout">{snap.omitted}</p> : null
}

registerView<ProbeState>({
  id: 'probe',
  title: 'The probe example here',
  description:
    "What this node computes for one example: one bar per unit (blue positive, orange negative), or one small image per feature map or — on 2-D data — per unit over the whole plane (blue high, orange negative, white near zero).",
  eventTypes: ['activations'],
  places: ['node'],
  order: 20,
  init: initProbe,
  reduce: reduceProbe,
  Component: ProbeValues,
})
