/**
 * Page start: load the catalogues (layers, data sets, templates), retrying while the
 * server is not up yet, then open the design in the URL hash (a shared link), if any.
 */
import { useEffect } from 'react'
import { ApiError, getDatasets, getLayers, getTemplates } from '../api/http'
import { decodeDesign, payloadFromHash } from '../graph/shareUrl'
import { useEditorStore } from '../store/editorStore'

const RETRY_MS = 2000

async function openSharedDesign(): Promise<void> {
  const payload = payloadFromHash(window.location.hash)
  if (!payload) return
  const s = useEditorStore.getState()
  try {
    const design = await decodeDesign(payload)
    s.loadDesign({ ...design, name: 'Shared design' })
    s.notify('Opened the design in the link.')
  } catch (e) {
    s.notify(e instanceof Error ? e.message : 'This link does not hold a LayerLab design.', 'error')
  }
}

export function useStartup(): void {
  useEffect(() => {
    const controller = new AbortController()
    let timer = 0
    let opened = false
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
          await openSharedDesign()
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
      window.clearTimeout(timer)
      window.removeEventListener('hashchange', onHash)
    }
  }, [])
}
