import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import { DRAFT_KEY, loadDraft, saveDraft, startDraftAutosave } from './draft'

const graph = { nodes: [{ id: 'in', type: 'Input' }], edges: [] }
const initialEditor = useEditorStore.getState()
const initialRuns = useRunStore.getState()

beforeEach(() => {
  localStorage.clear()
  useEditorStore.setState(initialEditor, true)
  useRunStore.setState(initialRuns, true)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('the draft kept in the browser', () => {
  it('round-trips a design with its project', () => {
    saveDraft({ graph, dataset: { name: 'circle' }, training: { epochs: 3 }, name: 'Mine', projectId: 'p1' })
    expect(loadDraft()).toEqual({ graph, dataset: { name: 'circle' }, training: { epochs: 3 }, name: 'Mine', projectId: 'p1' })
  })

  it('forgets the draft when the canvas is emptied', () => {
    saveDraft({ graph })
    saveDraft({ graph: { nodes: [], edges: [] } })
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull()
    expect(loadDraft()).toBeNull()
  })

  it('ignores what is not a design', () => {
    for (const junk of ['{not json', 'null', '{"graph": {"nodes": "x"}}', '{"graph": {"nodes": []}}']) {
      localStorage.setItem(DRAFT_KEY, junk)
      expect(loadDraft()).toBeNull()
    }
  })

  it('is written a moment after the canvas or the training form changes', () => {
    vi.useFakeTimers()
    const stop = startDraftAutosave()
    useEditorStore.getState().addNode('Input', { x: 0, y: 0 })
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull() // not at once: edits come in bursts
    vi.advanceTimersByTime(1000)
    expect(loadDraft()?.graph.nodes?.map((n) => n.id)).toEqual(['input_1'])
    useRunStore.getState().setTraining({ learning_rate: 0.05 })
    vi.advanceTimersByTime(1000)
    expect(loadDraft()?.training?.learning_rate).toBe(0.05)
    useEditorStore.getState().addNode('Dense')
    window.dispatchEvent(new Event('pagehide')) // a reload right after an edit still keeps it
    expect(loadDraft()?.graph.nodes).toHaveLength(2)
    stop()
    useEditorStore.getState().addNode('Dense')
    vi.advanceTimersByTime(1000)
    expect(loadDraft()?.graph.nodes).toHaveLength(2)
  })
})
