import { describe, expect, it } from 'vitest'
import type { GraphIssue } from '../api/types'
import { indexIssues, messageWithoutHint, plural, trainDisabledReasonOf } from './issues'

const shape: GraphIssue = {
  code: 'shape_mismatch',
  message: 'Node "h" (Dense) expects input (batch, features) but "in" produces (batch, 1, 8, 8).',
  node_id: 'h',
  field: null,
  hint: 'Insert a Flatten node between them.',
}
const range: GraphIssue = { code: 'param_out_of_range', message: 'units must be ≥ 1', node_id: 'h', field: 'units' }
const noInput: GraphIssue = { code: 'no_input', message: 'The graph has no Input node.' }
const ghost: GraphIssue = { code: 'unknown_node', message: 'Edge to a missing node', node_id: 'gone' }

describe('indexIssues', () => {
  it('sorts issues onto nodes, fields and the general list', () => {
    const index = indexIssues([shape, range, noInput], new Set(['h', 'in']))
    expect(index.byNode.h).toEqual([shape, range])
    expect(index.byField.h).toEqual({ units: [range] })
    expect(index.general).toEqual([noInput])
    expect(index.byNode.in).toBeUndefined()
  })

  it('lists issues of nodes that are not on the canvas as general ones', () => {
    expect(indexIssues([ghost], new Set(['h'])).general).toEqual([ghost])
    expect(indexIssues([ghost]).byNode.gone).toEqual([ghost])
  })
})

describe('trainDisabledReasonOf', () => {
  const ready = { nodeCount: 3, datasetRef: { name: 'digits' }, dataset: undefined, errors: [] }

  it('is null when the graph is valid and a data set is chosen', () => {
    expect(trainDisabledReasonOf(ready)).toBeNull()
  })

  it('counts the problems and quotes the first', () => {
    expect(trainDisabledReasonOf({ ...ready, errors: [shape, range] })).toBe(`Fix 2 problems first: ${shape.message}`)
    expect(trainDisabledReasonOf({ ...ready, errors: [range] })).toBe(`Fix 1 problem first: ${range.message}`)
  })

  it('explains empty canvases, missing and unavailable data sets and pending checks', () => {
    expect(trainDisabledReasonOf({ ...ready, nodeCount: 0 })).toMatch(/Add layers/)
    expect(trainDisabledReasonOf({ ...ready, datasetRef: null })).toBe('Pick a data set first.')
    const mnist = {
      name: 'mnist',
      title: 'MNIST',
      description: '',
      task: 'classification' as const,
      kind: 'image' as const,
      input_shape: [1, 28, 28],
      available: false,
      reason: 'not downloaded',
    }
    expect(trainDisabledReasonOf({ ...ready, datasetRef: { name: 'mnist' }, dataset: mnist })).toBe(
      'Data set "mnist" is not available: not downloaded',
    )
    expect(trainDisabledReasonOf({ ...ready, errors: null })).toBe('Checking the graph…')
    expect(trainDisabledReasonOf({ ...ready, errors: null, failure: 'down' })).toBe('Could not check the graph: down')
  })

  it('pluralises', () => {
    expect(plural(1, 'node')).toBe('1 node')
    expect(plural(0, 'node')).toBe('0 nodes')
  })
})

describe('messageWithoutHint', () => {
  it('drops a trailing hint that is shown apart', () => {
    expect(messageWithoutHint({ code: 'x', message: 'Bad shape. Insert a Flatten.', hint: 'Insert a Flatten.' })).toBe('Bad shape.')
    expect(messageWithoutHint({ code: 'x', message: 'Bad shape.', hint: 'Insert a Flatten.' })).toBe('Bad shape.')
    expect(messageWithoutHint({ code: 'x', message: 'Only hint', hint: 'Only hint' })).toBe('Only hint')
  })
})
