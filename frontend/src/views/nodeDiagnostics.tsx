/**
 * On the canvas: the diagnostics that name a node (vanishing gradients, dead units …) as a
 * badge on it; the message and what to try show on hover or keyboard focus (over the page, so
 * the canvas' edge does not cut them off). Scrubbed back, only the warnings given by the shown
 * epoch are there.
 */

import { useId, useState } from 'react'
import { createPortal } from 'react-dom'
import {
  diagnosticsAt,
  epochAt,
  initDiagnostics,
  reduceDiagnostics,
  type ActivationsState,
  type Diagnostic,
  type DiagnosticsState,
} from '../inside/state'
import { getViewState, registerView, type ViewProps } from './registry'

/** The kind in plain words (`vanishing_gradients` → "vanishing gradients"). */
export function kindWords(kind: string): string {
  return kind.replaceAll('_', ' ')
}

const POP_WIDTH = 280

function Popover({ id, anchor, list }: { id: string; anchor: DOMRect; list: Diagnostic[] }) {
  // Below the badge, or above it when too near the bottom of the window; never past its sides.
  const below = anchor.bottom + 160 < window.innerHeight
  const left = Math.max(8, Math.min(window.innerWidth - POP_WIDTH - 8, anchor.right - POP_WIDTH))
  const style = below ? { top: anchor.bottom + 6, left } : { bottom: window.innerHeight - anchor.top + 6, left }
  return createPortal(
    <div className="inside-diag-pop" role="tooltip" id={id} style={{ ...style, width: POP_WIDTH }}>
      {list.map((d) => (
        <p key={d.kind}>
          <strong>{d.message}</strong>
          {d.hint ? <span className="inside-diag-hint"> What to try: {d.hint}</span> : null}
        </p>
      ))}
    </div>,
    document.body,
  )
}

function NodeDiagnostics({ runId, nodeId, state, step }: ViewProps<DiagnosticsState>) {
  const id = useId()
  const [anchor, setAnchor] = useState<DOMRect | null>(null)
  if (!nodeId || !state) return null
  const epoch = step === null ? null : epochAt(getViewState<ActivationsState>(runId, 'activations'), step)
  const list = diagnosticsAt(state.byNode[nodeId], epoch, step === null)
  if (list.length === 0) return null
  const first = list[0]
  const label = list.length > 1 ? `${kindWords(first.kind)} +${list.length - 1}` : kindWords(first.kind)
  const show = (e: { currentTarget: HTMLElement }) => setAnchor(e.currentTarget.getBoundingClientRect())
  const hide = () => setAnchor(null)
  return (
    <div className="inside-diag nodrag">
      <button
        type="button"
        className="inside-diag-badge"
        aria-describedby={anchor ? id : undefined}
        aria-label={`Warning: ${list.map((d) => d.message).join(' ')}`}
        data-kind={first.kind}
        onMouseEnter={show}
        onMouseLeave={hide}
        onFocus={show}
        onBlur={hide}
        onKeyDown={(e) => e.key === 'Escape' && hide()}
      >
        <span aria-hidden="true">⚠</span> {label}
      </button>
      {anchor && <Popover id={id} anchor={anchor} list={list} />}
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
