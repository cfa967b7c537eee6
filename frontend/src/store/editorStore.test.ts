import { beforeEach, describe, expect, it } from 'vitest'
import type { DatasetInfo, ValidateResponse } from '../api/types'
import { emptyHistory } from '../graph/history'
import { useEditorStore } from './editorStore'

const digits: DatasetInfo = {
  name: 'digits',
  title: 'Digits',
  description: '8×8 digits',
  task: 'classification',
  kind: 'image',
  input_shape: [1, 8, 8],
  num_classes: 10,
  available: true,
}

const initial = useEditorStore.getState()
const s = () => useEditorStore.getState()

beforeEach(() => {
  useEditorStore.setState({ ...initial, history: emptyHistory() }, true)
})

describe('editor store', () => {
  it('adds nodes with readable ids and wires them', () => {
    const a = s().addNode('Input', { x: 0, y: 0 })
    const b = s().addNode('Dense', { x: 0, y: 100 })
    s().connect(a, b)
    s().connect(a, b) // no duplicate
    s().connect(b, b) // no self-loop
    expect([a, b]).toEqual(['input_1', 'dense_1'])
    expect(s().graphSpec()).toEqual({
      version: 1,
      nodes: [
        { id: 'input_1', type: 'Input', position: { x: 0, y: 0 } },
        { id: 'dense_1', type: 'Dense', position: { x: 0, y: 100 } },
      ],
      edges: [{ source: 'input_1', target: 'dense_1' }],
    })
  })

  it('undoes and redoes adding, param edits and deletion', () => {
    const a = s().addNode('Input')
    const b = s().addNode('Dense')
    s().connect(a, b)
    s().updateParam(b, 'units', 128)
    expect(s().nodes[1].data.params).toEqual({ units: 128 })
    s().selectOnly(b)
    s().deleteSelection()
    expect(s().nodes.map((n) => n.id)).toEqual([a])
    expect(s().edges).toEqual([])
    s().undo()
    expect(s().nodes.map((n) => n.id)).toEqual([a, b])
    expect(s().edges).toHaveLength(1)
    s().undo()
    expect(s().nodes[1].data.params).toEqual({})
    s().redo()
    expect(s().nodes[1].data.params).toEqual({ units: 128 })
  })

  it('copies and pastes the selection with fresh ids and the edges between them', () => {
    const a = s().addNode('Dense', { x: 0, y: 0 })
    const b = s().addNode('ReLU', { x: 0, y: 100 })
    s().connect(a, b)
    useEditorStore.setState({ nodes: s().nodes.map((n) => ({ ...n, selected: true })) })
    s().copySelection()
    s().paste()
    expect(s().nodes.map((n) => n.id)).toEqual(['dense_1', 'relu_1', 'dense_2', 'relu_2'])
    expect(s().edges.map((e) => [e.source, e.target])).toEqual([
      ['dense_1', 'relu_1'],
      ['dense_2', 'relu_2'],
    ])
    expect(s().nodes[2].position).toEqual({ x: 40, y: 40 })
    expect(s().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['dense_2', 'relu_2'])
  })

  it('says why training is disabled, and clears the reason once the current graph is valid', () => {
    s().setCatalogues({ datasets: [digits] })
    expect(s().datasetRef).toEqual({ name: 'digits' })
    expect(s().trainDisabledReason).toMatch(/Add layers/)
    const a = s().addNode('Input')
    const b = s().addNode('Dense')
    s().connect(a, b)
    expect(s().trainDisabledReason).toBe('Checking the graph…')
    const invalid: ValidateResponse = {
      valid: false,
      errors: [
        { code: 'shape_mismatch', message: 'Node "dense_1" (Dense) expects (batch, features)', node_id: b, hint: 'Insert a Flatten node between them.' },
        { code: 'no_output', message: 'Something else' },
      ],
      nodes: {},
      total_params: 0,
    }
    s().setValidation(invalid, s().revision)
    expect(s().trainDisabledReason).toBe('Fix 2 problems first: Node "dense_1" (Dense) expects (batch, features)')
    expect(s().issues.byNode[b]).toHaveLength(1)
    expect(s().issues.general).toHaveLength(1)
    // A stale answer (for an older revision) does not enable training.
    s().updateParam(b, 'units', 10)
    s().setValidation({ valid: true, errors: [], nodes: {}, total_params: 650 }, s().revision - 1)
    expect(s().trainDisabledReason).toBe('Checking the graph…')
    s().setValidation({ valid: true, errors: [], nodes: {}, total_params: 650 }, s().revision)
    expect(s().trainDisabledReason).toBeNull()
    // Moving a node does not invalidate the check.
    s().onNodesChange([{ type: 'position', id: a, position: { x: 5, y: 5 } }])
    expect(s().trainDisabledReason).toBeNull()
  })

  it('loads a design with its data set and training defaults, undoably', () => {
    s().addNode('Input')
    s().loadDesign({
      graph: { nodes: [{ id: 'in', type: 'Input' }, { id: 'out', type: 'Dense', params: { units: 2 } }], edges: [{ source: 'in', target: 'out' }] },
      dataset: { name: 'spiral', params: { noise: 0.1 } },
      training: { epochs: 20, learning_rate: 0.03 },
      name: 'Spiral MLP',
    })
    expect(s().nodes.map((n) => n.id)).toEqual(['in', 'out'])
    expect(s().datasetRef).toEqual({ name: 'spiral', params: { noise: 0.1 } })
    expect(s().trainingDefaults).toEqual({ epochs: 20, learning_rate: 0.03 })
    expect(s().trainingDefaultsVersion).toBe(1)
    expect(s().designName).toBe('Spiral MLP')
    s().undo()
    expect(s().nodes.map((n) => n.id)).toEqual(['input_1'])
  })

  it('keeps the positions a design carries, but lays a template out for the canvas it opens in', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    const graph = {
      nodes: ids.map((id, i) => ({ id, type: i === 0 ? 'Input' : 'ReLU', position: { x: 7, y: 100 * i } })),
      edges: ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
    }
    s().setCanvasSize({ width: 770, height: 385 }) // the canvas at 1280×720
    s().loadDesign({ graph })
    expect(s().nodes.map((n) => n.position.x)).toEqual(Array(8).fill(7))
    s().loadDesign({ graph }, { layout: true })
    const columns = new Set(s().nodes.map((n) => n.position.x))
    expect(columns.size).toBeGreaterThan(1) // eight layers do not fit one column on a wide, short canvas
    expect(s().nodes[1].position.y).toBeGreaterThan(s().nodes[0].position.y)
  })

  it('sets and clears data-set params', () => {
    s().setDataset({ name: 'spiral' })
    s().setDatasetParam('noise', 0.3)
    expect(s().datasetRef).toEqual({ name: 'spiral', params: { noise: 0.3 } })
    s().setDatasetParam('noise', undefined)
    expect(s().datasetRef).toEqual({ name: 'spiral', params: {} })
  })
})

describe('adding below a node', () => {
  beforeEach(() => {
    useEditorStore.setState({ ...initial, history: emptyHistory() }, true)
  })

  it('wires the new node to the given one in a single undo step', () => {
    s().setCatalogues({
      layers: [
        { type: 'Input', category: 'input', description: '', explanation: '', params_schema: {}, inputs: { min: 0, max: 0 }, role: 'input' as const, ordered_inputs: false, final_activation: null, activation_axis: -1, units_field: null, takes_token_ids: false },
        { type: 'Dense', category: 'dense', description: '', explanation: '', params_schema: {}, inputs: { min: 1, max: 1 }, role: 'layer' as const, ordered_inputs: false, final_activation: null, activation_axis: -1, units_field: 'units', takes_token_ids: false },
      ],
    })
    const a = s().addNode('Input')
    const b = s().addNode('Dense', undefined, a)
    expect(s().edges.map((e) => [e.source, e.target])).toEqual([[a, b]])
    s().addNode('Input', undefined, b) // an Input takes no inputs: not wired
    expect(s().edges).toHaveLength(1)
    s().undo()
    s().undo()
    expect(s().nodes.map((n) => n.id)).toEqual([a])
    expect(s().edges).toEqual([])
  })
})
