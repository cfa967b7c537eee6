/**
 * A small top-to-bottom layered layout (Sugiyama-style, simplified):
 *
 * 1. layers by longest path from the sources (so every edge points downwards);
 * 2. order within a layer by the barycentre of the neighbours, a few sweeps down and up;
 * 3. x spread evenly around the centre line, y by layer;
 * 4. given the canvas' size, a deep graph is folded into side-by-side columns of consecutive
 *    layers (each read top to bottom, the next column starting at the top again) when that
 *    lets "fit view" show the nodes much larger — a 12-layer CNN on a 1280×720 screen is
 *    otherwise drawn at a fifth of its size.
 *
 * Pure: returns new nodes, never mutates. Cycles are tolerated (back edges are ignored).
 */
import type { Edge, Node } from '@xyflow/react'

export interface LayoutOptions {
  /** Horizontal distance between node origins in a layer, px. */
  gapX?: number
  /** Vertical distance between layers, px. */
  gapY?: number
  /** Where the first layer's centre line sits. */
  origin?: { x: number; y: number }
  /** The canvas' size in screen px: a deep graph is folded into columns to fit it (see {@link chooseColumns}). */
  frame?: { width: number; height: number }
}

/** A node's size on the canvas at zoom 1 (about; see `.layer-node` in App.css). */
export const NODE_SIZE = { width: 220, height: 100 }
/** Horizontal room between two columns of a folded layout, px: the label of the edge that jumps to the next column sits in it. */
export const COLUMN_GAP = 160
/** How "fit view" frames the graph (editor/fitOptions.ts): padding in px (room at the top for the toolbar) and largest zoom. */
export const FIT_PADDING = { top: 64, bottom: 28, left: 48, right: 48 }
export const FIT_MAX_ZOOM = 1.1

/**
 * How many columns to fold `rowSpans.length` layers into (each column `ceil(layers / columns)`
 * consecutive layers): the fewest whose fitted zoom is within 85 % of the best any count gives,
 * so a short chain stays one column and a long one wraps only as far as it helps.
 * `rowSpans[r]` is the width of layer r's nodes side by side, px.
 */
export function chooseColumns(rowSpans: readonly number[], gapY: number, frame: { width: number; height: number }): number {
  const layers = rowSpans.length
  if (layers <= 2) return 1
  const availW = Math.max(1, frame.width - FIT_PADDING.left - FIT_PADDING.right)
  const availH = Math.max(1, frame.height - FIT_PADDING.top - FIT_PADDING.bottom)
  const zoomFor = (columns: number): number => {
    const perColumn = Math.ceil(layers / columns)
    let width = -COLUMN_GAP
    for (let c = 0; c * perColumn < layers; c += 1) width += Math.max(...rowSpans.slice(c * perColumn, (c + 1) * perColumn)) + COLUMN_GAP
    const height = (perColumn - 1) * gapY + NODE_SIZE.height
    return Math.min(availW / width, availH / height, FIT_MAX_ZOOM)
  }
  const zooms = Array.from({ length: layers }, (_, i) => zoomFor(i + 1))
  const best = Math.max(...zooms)
  return zooms.findIndex((z) => z >= 0.85 * best) + 1
}

/** Which layer (row) each node sits in: the length of the longest path reaching it. */
export function assignLayers(ids: readonly string[], edges: readonly Pick<Edge, 'source' | 'target'>[]): Map<string, number> {
  const known = new Set(ids)
  const incoming = new Map<string, string[]>()
  const outgoing = new Map<string, string[]>()
  for (const id of ids) {
    incoming.set(id, [])
    outgoing.set(id, [])
  }
  for (const e of edges) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue
    outgoing.get(e.source)!.push(e.target)
    incoming.get(e.target)!.push(e.source)
  }
  // Kahn's algorithm; nodes left on a cycle are released one at a time.
  const indegree = new Map(ids.map((id) => [id, incoming.get(id)!.length]))
  const layer = new Map<string, number>(ids.map((id) => [id, 0]))
  const done = new Set<string>()
  const queue = ids.filter((id) => indegree.get(id) === 0)
  while (done.size < ids.length) {
    if (queue.length === 0) {
      const stuck = ids.find((id) => !done.has(id))!
      queue.push(stuck)
      indegree.set(stuck, 0)
    }
    const id = queue.shift()!
    if (done.has(id)) continue
    done.add(id)
    for (const next of outgoing.get(id)!) {
      if (done.has(next)) continue
      layer.set(next, Math.max(layer.get(next)!, layer.get(id)! + 1))
      const left = indegree.get(next)! - 1
      indegree.set(next, left)
      if (left === 0) queue.push(next)
    }
  }
  return layer
}

/** Nodes placed top to bottom. Example: a chain of 3 nodes gets y = 0, gapY, 2·gapY and equal x. */
export function layoutGraph<N extends Node>(
  nodes: readonly N[],
  edges: readonly Pick<Edge, 'source' | 'target'>[],
  options: LayoutOptions = {},
): N[] {
  const gapX = options.gapX ?? 260
  const gapY = options.gapY ?? 140
  const origin = options.origin ?? { x: 0, y: 0 }
  const ids = nodes.map((n) => n.id)
  const layerOf = assignLayers(ids, edges)
  const depth = Math.max(0, ...layerOf.values())
  const rows: string[][] = Array.from({ length: depth + 1 }, () => [])
  for (const id of ids) rows[layerOf.get(id)!].push(id)

  const neighbours = (id: string, dir: 'up' | 'down'): string[] =>
    edges.filter((e) => (dir === 'up' ? e.target === id : e.source === id)).map((e) => (dir === 'up' ? e.source : e.target))
  const position = new Map<string, number>()
  const index = (): void => rows.forEach((row) => row.forEach((id, i) => position.set(id, i - (row.length - 1) / 2)))
  index()
  const sweep = (dir: 'up' | 'down'): void => {
    const range = dir === 'up' ? rows.keys() : [...rows.keys()].reverse()
    for (const r of range) {
      const row = rows[r]
      const centre = new Map<string, number>()
      row.forEach((id) => {
        const ns = neighbours(id, dir).filter((n) => position.has(n))
        centre.set(id, ns.length ? ns.reduce((s, n) => s + position.get(n)!, 0) / ns.length : position.get(id)!)
      })
      row.sort((a, b) => centre.get(a)! - centre.get(b)! || ids.indexOf(a) - ids.indexOf(b))
      index()
    }
  }
  for (let i = 0; i < 3; i += 1) {
    sweep('up')
    sweep('down')
  }
  sweep('up')

  // Fold the layers into columns (one column unless a frame asks for more).
  const rowSpans = rows.map((row) => Math.max(0, row.length - 1) * gapX + NODE_SIZE.width)
  const columns = options.frame ? chooseColumns(rowSpans, gapY, options.frame) : 1
  const perColumn = Math.ceil(rows.length / columns)
  const columnCentre: number[] = []
  let left = 0
  for (let c = 0; c < columns; c += 1) {
    const span = Math.max(...rowSpans.slice(c * perColumn, (c + 1) * perColumn), NODE_SIZE.width)
    columnCentre.push(left + span / 2)
    left += span + COLUMN_GAP
  }
  const firstCentre = columnCentre[0]

  return nodes.map((node) => {
    const layer = layerOf.get(node.id)!
    const column = Math.floor(layer / perColumn)
    const x = columnCentre[column] - firstCentre + position.get(node.id)! * gapX
    return { ...node, position: { x: origin.x + x, y: origin.y + (layer % perColumn) * gapY } }
  })
}
