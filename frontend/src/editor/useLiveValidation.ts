/**
 * Live validation: ~250 ms after the last change the graph depends on, POST
 * /api/graphs/validate with `{graph, dataset, training}` and store the answer with the revision
 * it belongs to. A newer change aborts the request in flight. A change of the training form
 * (batch size, optimizer …) validates again too: the answer's cost estimate and its memory
 * limit depend on it.
 */
import { useEffect } from 'react'
import { validateDebounceMs } from '../api/config'
import { ApiError, validateGraph } from '../api/http'
import type { TrainConfig } from '../api/types'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'

/** The training settings the cost estimate and the output check read; the rest cannot change them. */
const COST_KEYS = ['batch_size', 'optimizer', 'momentum', 'mixed_precision', 'device', 'loss'] as const

/** Those settings of the training form, as the validate request carries them. */
export function costTraining(config: TrainConfig): TrainConfig {
  const picked: Record<string, unknown> = {}
  for (const key of COST_KEYS) {
    if (config[key] !== undefined && config[key] !== null) picked[key] = config[key]
  }
  return picked as TrainConfig
}

export function useLiveValidation(): void {
  const revision = useEditorStore((s) => s.revision)
  const training = useRunStore((s) => s.training)
  const trainingExtra = useRunStore((s) => s.trainingExtra)
  useEffect(() => {
    const controller = new AbortController()
    const timer = window.setTimeout(() => {
      const s = useEditorStore.getState()
      if (s.nodes.length === 0) {
        s.setValidation({ valid: false, errors: [], nodes: {}, total_params: 0 }, revision)
        return
      }
      const settings = costTraining(useRunStore.getState().trainingConfig())
      validateGraph(s.graphSpec(), s.datasetRef, controller.signal, settings)
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
  }, [revision, training, trainingExtra])
}
