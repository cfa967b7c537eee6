/**
 * One registered view for one run, where a place (the dashboard, a node's panel, the canvas)
 * shows it: reads the view's state from the registry, re-renders at most once per frame (when
 * the run's views got events), hides views that do not apply to the run (`isAvailable`).
 * Memoised: a re-render of the place around it does not re-render the view.
 */

import { memo } from 'react'
import { useRunStore } from '../store/runStore'
import type { ViewModule } from './registry'
import { getViewState, useViewVersion } from './registry'

const empty = new Map<string, unknown>()

/** The state a view shows when no run is selected (its `init()`, made once). */
function emptyState(view: ViewModule): unknown {
  if (!empty.has(view.id)) empty.set(view.id, view.init())
  return empty.get(view.id)
}

export interface ViewSlotProps {
  view: ViewModule
  /** `''` when no run is selected. */
  runId: string
  nodeId?: string
  datasetKind: string | null
  task: string | null
}

export const ViewSlot = memo(function ViewSlot({ view, runId, nodeId, datasetKind, task }: ViewSlotProps) {
  const version = useViewVersion(runId)
  const step = useRunStore((s) => (s.scrub && s.scrub.runId === runId ? s.scrub.step : null))
  const state = (runId ? getViewState(runId, view.id) : undefined) ?? emptyState(view)
  if (view.isAvailable && !view.isAvailable(state, { datasetKind, task })) return null
  const Component = view.Component
  return <Component runId={runId} state={state} nodeId={nodeId} step={step} version={version} />
})
