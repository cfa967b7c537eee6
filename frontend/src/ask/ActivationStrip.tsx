/**
 * The asked input's way through the network: one compact row per node, in the graph's order —
 * a dense node's values as a strip of bars (blue positive, orange negative), a convolution's
 * feature maps as thumbnails (each scaled to its own range).
 */

import type { NodeActivation } from '../api/runsApi'
import { InsideCanvas } from '../inside/InsideCanvas'
import { diverging, drawTiles } from '../inside/draw'
import { decoded, mapsOf } from '../inside/quantized'

const STRIP_HEIGHT = 28
const TILE = 30
const GAP = 3
const MAX_MAPS = 8

/** Values as bars around a middle zero line, scaled to the largest magnitude. */
function drawStrip(ctx: CanvasRenderingContext2D, width: number, height: number, values: readonly number[]): void {
  let bound = 0
  for (const v of values) bound = Math.max(bound, Math.abs(v))
  bound = bound || 1
  const signed = values.some((v) => v < 0)
  const zero = signed ? height / 2 : height
  const scale = (signed ? height / 2 : height) / bound
  const bar = width / Math.max(1, values.length)
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]
    const [r, g, b] = diverging(v >= 0 ? 0.85 : -0.85)
    ctx.fillStyle = `rgb(${r},${g},${b})`
    const h = Math.abs(v) * scale
    ctx.fillRect(i * bar, v >= 0 ? zero - h : zero, Math.max(1, bar - (bar > 3 ? 1 : 0)), Math.max(v === 0 ? 0 : 1, h))
  }
  ctx.fillStyle = 'rgba(100, 116, 139, 0.5)'
  ctx.fillRect(0, Math.min(height - 1, zero), width, 1)
}

function shapeText(shape: readonly number[]): string {
  return shape.join('×')
}

function Row({ runId, nodeId, a }: { runId: string; nodeId: string; a: NodeActivation }) {
  const maps = a.feature_maps_q ? decoded(a.feature_maps_q) : null
  const values = a.values && a.values.length > 0 ? a.values : null
  const count = maps ? Math.min(mapsOf(maps).count, MAX_MAPS) : 0
  return (
    <li className="ask-act" data-node={nodeId} data-kind={maps ? 'maps' : values ? 'values' : 'stats'}>
      <span className="ask-act-name" title={`${nodeId}: output ${shapeText(a.shape)}, mean ${a.mean.toFixed(3)}, range ${a.min.toFixed(3)} to ${a.max.toFixed(3)}`}>
        {nodeId} <span className="ask-act-shape">{shapeText(a.shape)}</span>
      </span>
      {maps ? (
        <InsideCanvas
          className="ask-act-chart"
          name="ask-maps"
          runId={runId}
          width={count * TILE + (count - 1) * GAP}
          height={TILE}
          label={`Feature maps of ${nodeId} for the asked input`}
          deps={[maps]}
          draw={(ctx) => drawTiles(ctx, maps, { columns: count, tile: TILE, gap: GAP, limit: count, signed: maps.low < 0 })}
        />
      ) : values ? (
        <InsideCanvas
          className="ask-act-chart"
          name="ask-values"
          runId={runId}
          height={STRIP_HEIGHT}
          label={`Values of ${nodeId} for the asked input`}
          deps={[values]}
          draw={(ctx, w, h) => drawStrip(ctx, w, h, values)}
        />
      ) : (
        <span className="ask-act-stats">
          mean {a.mean.toFixed(3)}, range {a.min.toFixed(2)} to {a.max.toFixed(2)}
        </span>
      )}
      {a.omitted ? <span className="ask-act-note">{a.omitted}</span> : null}
    </li>
  )
}

export function ActivationStrip({ runId, activations }: { runId: string; activations: Record<string, NodeActivation> }) {
  const entries = Object.entries(activations)
  return (
    <ol className="ask-acts" aria-label="Activations through every layer">
      {entries.map(([id, a]) => (
        <Row key={id} runId={runId} nodeId={id} a={a} />
      ))}
    </ol>
  )
}
