/**
 * The small live view a node carries on the canvas while a run trains (and after, for the
 * selected run): its activation distribution as a histogram sparkline, a dead-unit or
 * saturation badge, and the probe sample's feature maps (convolution nodes) or each unit's
 * output over the plane (2-D data sets, TensorFlow Playground's neuron heatmaps). Drawn on
 * canvases, once per changed snapshot, only in sight.
 */

import { memo } from 'react'
import { decoded, mapsOf } from './quantized'
import { drawSparkline, drawTiles } from './draw'
import { InsideCanvas } from './InsideCanvas'
import type { ActivationSnap, ProbeSnap } from './state'
import { shortNumber } from './draw'

/** Width of the card beside a node (fits the gap between two columns of the layout). */
export const CARD_WIDTH = 132

/** Dead or saturated fractions from here on get a badge; from `BAD` on it is red. */
const NOTE = 0.05
const BAD = 0.4

function percent(f: number): string {
  return `${Math.round(f * 100)} %`
}

function Badge({ snap }: { snap: ActivationSnap }) {
  if (snap.dead !== null && snap.dead >= NOTE) {
    return (
      <span
        className={`inside-badge${snap.dead >= BAD ? ' bad' : ''}`}
        data-kind="dead"
        title={`${percent(snap.dead)} of this node's units output zero for every monitored example: they are dead and no longer learn.`}
      >
        {percent(snap.dead)} dead
      </span>
    )
  }
  if (snap.saturated !== null && snap.saturated >= NOTE) {
    return (
      <span
        className={`inside-badge${snap.saturated >= BAD ? ' bad' : ''}`}
        data-kind="saturated"
        title={`${percent(snap.saturated)} of this node's outputs sit at the flat ends of the activation, where almost no gradient passes.`}
      >
        {percent(snap.saturated)} saturated
      </span>
    )
  }
  return null
}

interface CardProps {
  runId: string
  nodeId: string
  snap: ActivationSnap | undefined
  probe: ProbeSnap | undefined
}

function tileLayout(count: number, perRow: number, width: number, maxTile: number, gap: number): { columns: number; tile: number } {
  const columns = Math.max(1, Math.min(count, perRow))
  const tile = Math.max(6, Math.min(maxTile, Math.floor((width - (columns - 1) * gap) / columns)))
  return { columns, tile }
}

function Tiles({ runId, nodeId, probe }: { runId: string; nodeId: string; probe: ProbeSnap }) {
  const q = probe.plane ?? probe.maps
  if (!q) return null
  const isPlane = probe.plane !== null
  const d = decoded(q)
  const { count } = mapsOf(d)
  const limit = isPlane ? 32 : 8
  const shown = Math.min(count, limit)
  const gap = isPlane ? 2 : 3
  const { columns, tile } = tileLayout(shown, isPlane ? 8 : 4, CARD_WIDTH, isPlane ? 30 : 40, gap)
  const rows = Math.ceil(shown / columns)
  const height = rows * tile + (rows - 1) * gap
  const label = isPlane
    ? `Neuron heatmaps of ${nodeId}: each square is one unit's output over the data plane`
    : `Feature maps of ${nodeId} for the probe example`
  return (
    <InsideCanvas
      className="inside-tiles"
      name="node-tiles"
      runId={runId}
      width={columns * tile + (columns - 1) * gap}
      height={height}
      label={label}
      title={
        isPlane
          ? `Each square is one unit of ${nodeId} over the whole plane (the decision boundary's area): blue where it outputs a high value, orange where negative, white near zero (each square scaled to its own range).${count > shown ? ` First ${shown} of ${count} units.` : ''}`
          : `The probe example's feature maps in ${nodeId}: darker blue where a filter responds more strongly.${count > shown ? ` First ${shown} of ${count} maps.` : ''}`
      }
      data={{ kind: isPlane ? 'plane' : 'maps', count: shown, step: probe.step }}
      deps={[q]}
      draw={(ctx) => drawTiles(ctx, d, { columns, tile, gap, limit, signed: isPlane || d.low < 0 })}
    />
  )
}

function NodeCardView({ runId, nodeId, snap, probe }: CardProps) {
  const histogram = snap?.histogram ?? null
  const range = snap && snap.min !== null && snap.max !== null ? `${shortNumber(snap.min)} … ${shortNumber(snap.max)}` : null
  return (
    <div className="inside-card nodrag" data-testid={`inside-${nodeId}`} data-step={snap?.step ?? probe?.step}>
      {histogram && (
        <div className="inside-spark">
          <InsideCanvas
            className="inside-sparkline"
            name="node-sparkline"
            runId={runId}
            width={CARD_WIDTH}
            height={24}
            label={`Activation histogram of ${nodeId}`}
            title={`How ${nodeId}'s outputs are spread over the monitored examples at step ${snap?.step}: low values on the left, high on the right (the grey line is zero).`}
            data={{ step: snap?.step, bins: histogram.counts.length }}
            deps={[histogram]}
            draw={(ctx, w, h) => drawSparkline(ctx, w, h, histogram, '#2563eb')}
          />
          <div className="inside-spark-meta">
            {range && <span className="inside-range">{range}</span>}
            {snap && <Badge snap={snap} />}
          </div>
        </div>
      )}
      {probe && <Tiles runId={runId} nodeId={nodeId} probe={probe} />}
      {(snap?.omitted || probe?.omitted) && (
        <p className="inside-omitted" title={snap?.omitted ?? probe?.omitted ?? undefined}>
          {snap?.omitted ?? probe?.omitted}
        </p>
      )}
    </div>
  )
}

/** Re-drawn only when the shown snapshot changes. */
export const NodeCard = memo(NodeCardView)
