/**
 * Live validation: ~250 ms after the last change the graph depends on, POST
 * /api/graphs/validate with `{graph, dataset}` and store the answer with the revision it
 * belongs to. A newer change aborts the request in flight.
 */
import { useEffect } from 'react'
import { validateDebounceMs } from '../api/config'
import { ApiError, validateGraph } from '../api/http'
import { useEditorStore } from '../store/editorStore'

export function useLiveValidation(): void {
  const revision = useEditorStore((s) => s.revision)
  useEffect(() => {
    const controller = new AbortController()
    const timer = window.setTimeout(() => {
      const s = useEditorStore.getState()
      if (s.nodes.length === 0) {
        s.setValidation({ valid: false, errors: [], nodes: {}, total_params: 0 }, revision)
        return
      }
      validateGraph(s.graphSpec(), s.datasetRef, controller.signal)
        .then((response) => useEditorStore.getState().setValidation(response, revision))
        .catch((error: unknown) => {
          if (controller.signal.aborted) return
          const message = error instanceof ApiError || error instanceof Error ? error.message : String(error)
          useEditorStore.getState().setValidationError(message)
        })
    }, validateDebounceMs)
    return () => {
      window.clearTimeout(timer)
      controller.abort()
    }
  }, [revision])
}
