import type { Node } from '@xyflow/react'
import { describe, expect, it } from 'vitest'
import { assignLayers, chooseColumns, layoutGraph, NODE_SIZE } from './layout'

const node = (id: string): Node => ({ id, position: { x: 999, y: 999 }, data: {} })
const edge = (source: string, target: string) => ({ source, target })

describe('assignLayers', () => {
  it('puts every node below all its inputs (longest path)', () => {
    const layers = assignLayers(['a', 'b', 'c', 'd'], [edge('a', 'b'), edge('b', 'c'), edge('a', 'c'), edge('c', 'd')])
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 2, d: 3 })
  })

  it('survives cycles and ignores edges to unknown nodes', () => {
    const layers = assignLayers(['a', 'b'], [edge('a', 'b'), edge('b', 'a'), edge('a', 'zz')])
    expect(layers.size).toBe(2)
  })
})

describe('layoutGraph', () => {
  it('stacks a chain vertically on one line', () => {
    const out = layoutGraph([node('a'), node('b'), node('c')], [edge('a', 'b'), edge('b', 'c')], { gapY: 100 })
    expect(out.map((n) => n.position)).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 100 },
      { x: 0, y: 200 },
    ])
  })

  it('spreads the branches of a residual block side by side', () => {
    // in → a → add, in → b → c → add
    const nodes = ['in', 'a', 'b', 'c', 'add'].map(node)
    const edges = [edge('in', 'a'), edge('in', 'b'), edge('b', 'c'), edge('a', 'add'), edge('c', 'add')]
    const out = Object.fromEntries(layoutGraph(nodes, edges).map((n) => [n.id, n.position]))
    expect(out.a.y).toBe(out.b.y)
    expect(out.a.x).not.toBe(out.b.x)
    expect(out.add.y).toBeGreaterThan(out.c.y)
    expect(out.c.y).toBeGreaterThan(out.b.y)
  })

  it('does not mutate its input', () => {
    const nodes = [node('a')]
    layoutGraph(nodes, [])
    expect(nodes[0].position).toEqual({ x: 999, y: 999 })
  })
})

describe('folding a deep graph into columns', () => {
  const chain = (n: number) => {
    const ids = Array.from({ length: n }, (_, i) => `n${i}`)
    return { nodes: ids.map(node), edges: ids.slice(1).map((id, i) => edge(ids[i], id)) }
  }
  const WIDE = { width: 770, height: 385 } // the canvas at 1280×720

  it('keeps a short chain in one column', () => {
    expect(chooseColumns([NODE_SIZE.width, NODE_SIZE.width], 120, WIDE)).toBe(1)
    const tall = { width: 400, height: 1200 }
    expect(chooseColumns(Array(8).fill(NODE_SIZE.width), 120, tall)).toBe(1)
  })

  it('wraps a 12-layer chain on a wide canvas into columns read top to bottom', () => {
    const { nodes, edges } = chain(12)
    const columns = chooseColumns(Array(12).fill(NODE_SIZE.width), 120, WIDE)
    expect(columns).toBeGreaterThanOrEqual(3)
    const out = layoutGraph(nodes, edges, { frame: WIDE, gapY: 120 })
    const perColumn = Math.ceil(12 / columns)
    const xs = [...new Set(out.map((n) => n.position.x))]
    expect(xs).toHaveLength(columns)
    // consecutive layers go down a column, then the next column starts at the top, further right
    expect(out[1].position.y).toBe(out[0].position.y + 120)
    expect(out[perColumn].position.y).toBe(out[0].position.y)
    expect(out[perColumn].position.x).toBeGreaterThan(out[perColumn - 1].position.x + NODE_SIZE.width)
  })

  it('folds only as far as it helps: the fitted size is near the best', () => {
    const spans = Array(12).fill(NODE_SIZE.width)
    const one = chooseColumns(spans, 120, { width: 770, height: 385 })
    const more = chooseColumns(spans, 120, { width: 1600, height: 385 })
    expect(more).toBeGreaterThanOrEqual(one)
  })

  it('gives the same layout as before without a frame', () => {
    const { nodes, edges } = chain(12)
    const out = layoutGraph(nodes, edges, { gapY: 100 })
    expect(out.map((n) => n.position.x)).toEqual(Array(12).fill(0))
    expect(out[11].position.y).toBe(1100)
  })
})
