/**
 * A node's panel during or after a run: the views registered for a node (`viewsFor('node')`),
 * each with its title and the sentence that says what it shows and how to read it, for the
 * selected run at the scrub step. A view with nothing for this node renders nothing and its
 * section is hidden.
 */

import '../views'
import { getViewState, useViewVersion, viewsFor } from '../views/registry'
import { useInsideRunId, useScrubStep } from './useScrubStep'
import './inside.css'

export function NodePanel({ nodeId }: { nodeId: string }) {
  const runId = useInsideRunId()
  const step = useScrubStep(runId)
  const version = useViewVersion(runId)
  if (!runId || version === 0) return null
  return (
    <section className="node-panel" aria-label={`Inside ${nodeId}`}>
      <h3 className="node-panel-title">
        Inside this node <span className="node-panel-when">{step === null ? 'live' : `at step ${step}`}</span>
      </h3>
      {viewsFor('node').map((view) => (
        <section key={view.id} className="node-view" aria-label={view.title} data-view={view.id}>
          <h4 className="node-view-title">{view.title}</h4>
          <p className="node-view-description">{view.description}</p>
          <div className="node-view-body">
            <view.Component runId={runId} nodeId={nodeId} step={step} version={version} state={getViewState(runId, view.id)} />
          </div>
        </section>
      ))}
    </section>
  )
}
