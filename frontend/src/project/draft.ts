/**
 * The design being edited, kept in the browser's localStorage so that a reload (or a closed
 * tab) does not lose it: written a moment after each change, read once at start when the URL
 * holds no shared design.
 */
import type { GraphSpec } from '../api/types'
import { useEditorStore, type Design } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import { currentDesign } from './currentDesign'

export const DRAFT_KEY = 'layerlab.draft.v1'
const SAVE_DELAY_MS = 400

export interface Draft extends Design {
  /** The server project the design was opened from or saved as, if any. */
  projectId?: string | null
}

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage
  } catch {
    return null // storage disabled (privacy settings): drafts are simply not kept
  }
}

export function saveDraft(draft: Draft, store: Storage | null = storage()): void {
  if (!store) return
  try {
    if ((draft.graph.nodes ?? []).length === 0) store.removeItem(DRAFT_KEY)
    else store.setItem(DRAFT_KEY, JSON.stringify(draft))
  } catch {
    // full or disabled: keeping the draft is a convenience, never an error for the user
  }
}

/** The saved draft, or null when there is none or it is not a design (an older or foreign value). */
export function loadDraft(store: Storage | null = storage()): Draft | null {
  const text = store?.getItem(DRAFT_KEY)
  if (!text) return null
  try {
    const value = JSON.parse(text) as Partial<Draft> | null
    const graph = value?.graph as GraphSpec | undefined
    if (!value || !graph || !Array.isArray(graph.nodes) || graph.nodes.length === 0) return null
    return { ...value, graph } as Draft
  } catch {
    return null
  }
}

/** Keep the draft up to date from now on; returns the function that stops it. */
export function startDraftAutosave(): () => void {
  let timer = 0
  const save = (): void => {
    window.clearTimeout(timer)
    timer = 0
    saveDraft({ ...currentDesign(), projectId: useEditorStore.getState().projectId })
  }
  const schedule = (): void => {
    window.clearTimeout(timer)
    timer = window.setTimeout(save, SAVE_DELAY_MS)
  }
  // Leaving the page (reload, closed tab) must not lose the edit of the last moment.
  const flush = (): void => {
    if (timer) save()
  }
  window.addEventListener('pagehide', flush)
  const offEditor = useEditorStore.subscribe((s, before) => {
    if (
      s.nodes !== before.nodes ||
      s.edges !== before.edges ||
      s.datasetRef !== before.datasetRef ||
      s.designName !== before.designName ||
      s.projectId !== before.projectId
    )
      schedule()
  })
  const offRuns = useRunStore.subscribe((s, before) => {
    if (s.training !== before.training) schedule()
  })
  return () => {
    window.clearTimeout(timer)
    window.removeEventListener('pagehide', flush)
    offEditor()
    offRuns()
  }
}
