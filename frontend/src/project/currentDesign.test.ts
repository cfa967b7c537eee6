import { beforeEach, describe, expect, it } from 'vitest'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import { currentDesign } from './currentDesign'

const initialEditor = useEditorStore.getState()
const initialRuns = useRunStore.getState()

beforeEach(() => {
  useEditorStore.setState(initialEditor, true)
  useRunStore.setState(initialRuns, true)
})

describe('the design saved, exported or linked', () => {
  it('carries the training settings as the form shows them, over the template the design came from', () => {
    useEditorStore.getState().loadDesign({
      graph: { nodes: [{ id: 'in', type: 'Input' }], edges: [] },
      dataset: { name: 'spiral' },
      training: { epochs: 25, learning_rate: 0.01, boundary_resolution: 40 },
      name: 'Spiral MLP',
    })
    const runs = useRunStore.getState()
    runs.applyTrainingDefaults(useEditorStore.getState().trainingDefaults)
    runs.setTraining({ learning_rate: 0.02, epochs: 7 })
    const design = currentDesign()
    expect(design.training).toMatchObject({ learning_rate: 0.02, epochs: 7, boundary_resolution: 40 })
    expect(design.dataset).toEqual({ name: 'spiral' })
    expect(design.name).toBe('Spiral MLP')
  })

  it('leaves out a field that is being typed (empty or not a number)', () => {
    useRunStore.getState().setTraining({ learning_rate: Number.NaN })
    const training = currentDesign().training ?? {}
    expect('learning_rate' in training).toBe(false)
    expect(training).toMatchObject({ epochs: 10, optimizer: 'adam' })
  })
})
