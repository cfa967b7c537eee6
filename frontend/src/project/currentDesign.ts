/** The design on the page right now, as templates/projects/files/links carry it. */
import { useEditorStore, type Design } from '../store/editorStore'
import { useRunStore } from '../store/runStore'

/** The canvas, the data set and the training settings as the form shows them (not the template's defaults). */
export function currentDesign(): Design {
  const s = useEditorStore.getState()
  return {
    graph: s.graphSpec(),
    dataset: s.datasetRef,
    training: useRunStore.getState().trainingConfig(),
    name: s.designName,
  }
}
