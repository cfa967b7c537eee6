import { describe, expect, it } from 'vitest'
import type { LayerNode } from '../graph/types'
import { nodeAccessibleName, withAccessibleNames } from './nodeNames'

function layer(id: string, layerType: string, label: string | null = null): LayerNode {
  return { id, type: 'layer', position: { x: 0, y: 0 }, data: { layerType, label, params: {} } }
}

describe('node accessible names', () => {
  it('says the layer type, then the node id', () => {
    expect(nodeAccessibleName(layer('dense_1', 'Dense'))).toBe('Dense dense_1')
  })

  it("prefers the user's label to the id", () => {
    expect(nodeAccessibleName(layer('dense_1', 'Dense', 'hidden'))).toBe('Dense hidden')
    expect(nodeAccessibleName(layer('dense_1', 'Dense', '  '))).toBe('Dense dense_1')
  })

  it('names copies and leaves the store nodes untouched', () => {
    const nodes = [layer('input', 'Input'), layer('dense_1', 'Dense')]
    const out = withAccessibleNames(nodes)
    expect(out.map((n) => n.ariaLabel)).toEqual(['Input input', 'Dense dense_1'])
    expect(nodes.every((n) => n.ariaLabel === undefined)).toBe(true)
  })

  it('keeps the identity of unchanged nodes and renames changed ones', () => {
    const input = layer('input', 'Input')
    const dense = layer('dense_1', 'Dense')
    const first = withAccessibleNames([input, dense])
    const renamed = { ...dense, data: { ...dense.data, label: 'hidden' } }
    const second = withAccessibleNames([input, renamed])
    expect(second[0]).toBe(first[0])
    expect(second[1]).not.toBe(first[1])
    expect(second[1].ariaLabel).toBe('Dense hidden')
    expect(withAccessibleNames([input, renamed])[1]).toBe(second[1])
  })
})
