/** The design on the page right now, as templates/projects/files/links carry it. */
import type { TrainConfig } from '../api/types'
import { useEditorStore, type Design } from '../store/editorStore'

/**
 * The training settings to save with a design. The dashboard may register a getter for
 * its live form (`setTrainingSource`); otherwise the last loaded defaults are used.
 */
let trainingSource: (() => TrainConfig | null) | null = null

export function setTrainingSource(source: (() => TrainConfig | null) | null): void {
  trainingSource = source
}

export function currentDesign(): Design {
  const s = useEditorStore.getState()
  return {
    graph: s.graphSpec(),
    dataset: s.datasetRef,
    training: trainingSource?.() ?? s.trainingDefaults,
    name: s.designName,
  }
}
