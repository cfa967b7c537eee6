/**
 * Page start: load the catalogues (layers, data sets, templates), retrying while the
 * server is not up yet, then open the design in the URL hash (a shared link), or else the
 * draft this browser kept (see draft.ts), and keep the draft up to date from then on.
 */
import { useEffect } from 'react'
import { ApiError, getDatasets, getLayers, getTemplates } from '../api/http'
import { decodeDesign, payloadFromHash } from '../graph/shareUrl'
import { useEditorStore } from '../store/editorStore'
import { loadDraft, startDraftAutosave } from './draft'

const RETRY_MS = 2000

/** The design in the URL hash (a shared link), else the draft this browser kept; true when one was opened. */
async function openSharedDesign(): Promise<boolean> {
  const payload = payloadFromHash(window.location.hash)
  if (!payload) return false
  const s = useEditorStore.getState()
  try {
    const design = await decodeDesign(payload)
    s.loadDesign({ ...design, name: 'Shared design' })
    s.notify('Opened the design in the link.')
    return true
  } catch (e) {
    s.notify(e instanceof Error ? e.message : 'This link does not hold a LayerLab design.', 'error')
    return false
  }
}

function restoreDraft(): void {
  const draft = loadDraft()
  const s = useEditorStore.getState()
  if (!draft || s.nodes.length > 0) return
  s.loadDesign(draft, { projectId: draft.projectId ?? null })
  s.notify('Restored the design you were working on.')
}

export function useStartup(): void {
  useEffect(() => {
    const controller = new AbortController()
    let timer = 0
    let opened = false
    let stopAutosave = (): void => {}
    const load = async (): Promise<void> => {
      const s = useEditorStore.getState()
      try {
        const [layers, datasets, templates] = await Promise.all([
          getLayers(controller.signal),
          getDatasets(controller.signal),
          getTemplates(controller.signal).catch(() => []),
        ])
        s.setCatalogues({ layers, datasets, templates })
        s.setCatalogueError(null)
        if (!opened) {
          opened = true
          if (!(await openSharedDesign())) restoreDraft()
          stopAutosave = startDraftAutosave()
        }
      } catch (e) {
        if (controller.signal.aborted) return
        s.setCatalogueError(e instanceof ApiError || e instanceof Error ? e.message : String(e))
        timer = window.setTimeout(() => void load(), RETRY_MS)
      }
    }
    void load()
    const onHash = (): void => void openSharedDesign()
    window.addEventListener('hashchange', onHash)
    return () => {
      controller.abort()
      stopAutosave()
      window.clearTimeout(timer)
      window.removeEventListener('hashchange', onHash)
    }
  }, [])
}
