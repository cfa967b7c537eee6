import type { Node } from '@xyflow/react'
import { describe, expect, it } from 'vitest'
import { assignLayers, layoutGraph } from './layout'

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
