/**
 * On the canvas: the diagnostics that name a node (vanishing gradients, dead units …) as a
 * badge on it; the message and what to try show on hover or keyboard focus. Scrubbed back,
 * only the warnings given by the shown epoch are there.
 */

import { useId } from 'react'
import {
  diagnosticsAt,
  epochAt,
  initDiagnostics,
  reduceDiagnostics,
  type ActivationsState,
  type DiagnosticsState,
} from '../inside/state'
import { getViewState, registerView, type ViewProps } from './registry'

/** The kind in plain words (`vanishing_gradients` → "vanishing gradients"). */
export function kindWords(kind: string): string {
  return kind.replaceAll('_', ' ')
}

function NodeDiagnostics({ runId, nodeId, state, step }: ViewProps<DiagnosticsState>) {
  const id = useId()
  if (!nodeId || !state) return null
  const epoch = step === null ? null : epochAt(getViewState<ActivationsState>(runId, 'activations'), step)
  const list = diagnosticsAt(state.byNode[nodeId], epoch, step === null)
  if (list.length === 0) return null
  const first = list[0]
  const label = list.length > 1 ? `${kindWords(first.kind)} +${list.length - 1}` : kindWords(first.kind)
  return (
    <div className="inside-diag nodrag">
      <button type="button" className="inside-diag-badge" aria-describedby={id} data-kind={first.kind}>
        <span aria-hidden="true">⚠</span> {label}
      </button>
      <div className="inside-diag-pop" role="tooltip" id={id}>
        {list.map((d) => (
          <p key={d.kind}>
            <strong>{d.message}</strong>
            {d.hint ? <span className="inside-diag-hint"> What to try: {d.hint}</span> : null}
          </p>
        ))}
      </div>
    </div>
  )
}

registerView<DiagnosticsState>({
  id: 'node-diagnostics',
  title: 'Warnings on the node',
  description: 'A warning badge on the node a diagnostic names; hover or focus it for what it means and what to try.',
  eventTypes: ['diagnostic'],
  places: ['canvas'],
  init: initDiagnostics,
  reduce: reduceDiagnostics,
  Component: NodeDiagnostics,
})
