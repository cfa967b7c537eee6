import { describe, expect, it } from 'vitest'
import type { GraphSpec } from '../api/types'
import { fromGraphSpec, graphKey, makeEdge, toGraphSpec } from './toGraphSpec'
import type { LayerNode } from './types'

const mlp: GraphSpec = {
  version: 1,
  nodes: [
    { id: 'in', type: 'Input', position: { x: 0, y: 0 } },
    { id: 'f', type: 'Flatten', position: { x: 0, y: 130 } },
    { id: 'h', type: 'Dense', params: { units: 128, activation: 'relu' }, position: { x: 0, y: 260 }, label: 'hidden' },
    { id: 'd', type: 'Dropout', params: { rate: 0.2 }, position: { x: 0, y: 390 } },
    { id: 'out', type: 'Dense', params: { units: 10, activation: 'softmax' }, position: { x: 0, y: 520 } },
  ],
  edges: [
    { source: 'in', target: 'f' },
    { source: 'f', target: 'h' },
    { source: 'h', target: 'd' },
    { source: 'd', target: 'out' },
  ],
}

describe('graph JSON round trip', () => {
  it('returns the same graph JSON after fromGraphSpec → toGraphSpec', () => {
    const { nodes, edges } = fromGraphSpec(mlp)
    expect(toGraphSpec(nodes, edges)).toEqual(mlp)
  })

  it('keeps target_port of edges into Concat', () => {
    const spec: GraphSpec = {
      version: 1,
      nodes: [
        { id: 'a', type: 'Input', position: { x: 0, y: 0 } },
        { id: 'c', type: 'Concat', position: { x: 0, y: 100 } },
      ],
      edges: [{ source: 'a', target: 'c', target_port: 1 }],
    }
    const { nodes, edges } = fromGraphSpec(spec)
    expect(toGraphSpec(nodes, edges)).toEqual(spec)
  })

  it('lays out nodes that come without positions, top to bottom', () => {
    const bare: GraphSpec = {
      nodes: (mlp.nodes ?? []).map(({ position: _position, ...n }) => n),
      edges: mlp.edges,
    }
    const { nodes } = fromGraphSpec(bare)
    const ys = nodes.map((n) => n.position.y)
    expect(ys).toEqual([...ys].sort((a, b) => a - b))
    expect(new Set(ys).size).toBe(5)
  })

  it('leaves out empty params and labels and rounds positions', () => {
    const node: LayerNode = {
      id: 'x',
      type: 'layer',
      position: { x: 10.6, y: -3.2 },
      data: { layerType: 'ReLU', label: null, params: {} },
    }
    expect(toGraphSpec([node], [])).toEqual({
      version: 1,
      nodes: [{ id: 'x', type: 'ReLU', position: { x: 11, y: -3 } }],
      edges: [],
    })
  })

  it('ignores positions in the validation key', () => {
    const { nodes, edges } = fromGraphSpec(mlp)
    const moved = nodes.map((n) => ({ ...n, position: { x: n.position.x + 50, y: n.position.y } }))
    expect(graphKey(toGraphSpec(moved, edges))).toBe(graphKey(toGraphSpec(nodes, edges)))
    const changed = nodes.map((n) => (n.id === 'h' ? { ...n, data: { ...n.data, params: { units: 64 } } } : n))
    expect(graphKey(toGraphSpec(changed, edges))).not.toBe(graphKey(toGraphSpec(nodes, edges)))
  })

  it('makes edges of the shape type with stable ids', () => {
    expect(makeEdge('a', 'b')).toEqual({ id: 'e_a__b', source: 'a', target: 'b', type: 'shape' })
  })
})
