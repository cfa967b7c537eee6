/** The data set a run trains on (from the runs list and the data set catalogue), for the Ask and gallery views. */

import type { DatasetInfo } from '../api/types'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'

export function useRunDataset(runId: string): DatasetInfo | null {
  const name = useRunStore((s) => (runId ? s.runs.find((r) => r.id === runId)?.dataset ?? null : null))
  return useEditorStore((s) => (name ? s.datasets.find((d) => d.name === name) ?? null : null))
}
