import { describe, expect, it } from 'vitest'
import { designFileName, parseDesignFile, toDesignFile } from './importExport'

const graph = { version: 1 as const, nodes: [{ id: 'in', type: 'Input' }], edges: [] }

describe('design files', () => {
  it('round-trips an exported design', () => {
    const file = toDesignFile({ graph, dataset: { name: 'digits' }, training: { epochs: 2 }, name: 'Mine' })
    expect(parseDesignFile(JSON.stringify(file))).toEqual({ graph, dataset: { name: 'digits' }, training: { epochs: 2 }, name: 'Mine' })
  })

  it('accepts a bare graph and a saved project with a dataset name', () => {
    expect(parseDesignFile(JSON.stringify(graph))).toEqual({ graph, name: null })
    expect(parseDesignFile(JSON.stringify({ graph, dataset: 'mnist' })).dataset).toEqual({ name: 'mnist' })
  })

  it('explains files that are not designs', () => {
    expect(() => parseDesignFile('nope', 'x.json')).toThrow('x.json is not JSON.')
    expect(() => parseDesignFile('{"a": 1}', 'x.json')).toThrow(/holds no LayerLab graph/)
  })

  it('names files after the design', () => {
    expect(designFileName('My MLP!')).toBe('my-mlp.layerlab.json')
    expect(designFileName(null)).toBe('network.layerlab.json')
  })
})
