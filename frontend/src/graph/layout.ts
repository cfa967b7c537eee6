/**
 * A small top-to-bottom layered layout (Sugiyama-style, simplified):
 *
 * 1. layers by longest path from the sources (so every edge points downwards);
 * 2. order within a layer by the barycentre of the neighbours, a few sweeps down and up;
 * 3. x spread evenly around the centre line, y by layer.
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
  const gapX = options.gapX ?? 240
  const gapY = options.gapY ?? 120
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

  return nodes.map((node) => ({
    ...node,
    position: { x: origin.x + position.get(node.id)! * gapX, y: origin.y + layerOf.get(node.id)! * gapY },
  }))
}
