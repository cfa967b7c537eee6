/**
 * The views registered for the canvas (`viewsFor('canvas')`), drawn on one node for the
 * selected run at the scrub step. This small component re-renders (at most once per frame)
 * when the run's views got events; the node itself does not, and each view redraws only what
 * changed for its node.
 */

import '../views'
import { getViewState, useViewVersion, viewsFor } from '../views/registry'
import { useInsideRunId, useScrubStep } from './useScrubStep'
import './inside.css'

export function CanvasViews({ nodeId }: { nodeId: string }) {
  const runId = useInsideRunId()
  const step = useScrubStep(runId)
  const version = useViewVersion(runId)
  if (!runId || version === 0) return null
  return (
    <>
      {viewsFor('canvas').map((view) => (
        <view.Component key={view.id} runId={runId} nodeId={nodeId} step={step} version={version} state={getViewState(runId, view.id)} />
      ))}
    </>
  )
}
