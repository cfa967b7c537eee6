/**
 * The run's warnings in plain words (`diagnostic` events: vanishing gradients, overfitting …)
 * with what to try, one per kind and node (a newer one replaces the older), under the run's
 * progress. The same warnings sit as badges on the nodes they name (views/nodeDiagnostics.tsx).
 */

import type { DiagnosticEvent, TrainingEvent } from '../api/events'
import { registerView, type ViewProps } from './registry'

export interface WarningsState {
  list: DiagnosticEvent[]
}

export function reduceWarnings(state: WarningsState, event: TrainingEvent): WarningsState {
  if (event.type !== 'diagnostic') return state
  const at = state.list.findIndex((d) => d.kind === event.kind && d.node_id === event.node_id)
  if (at === -1) state.list.push(event)
  else state.list[at] = event
  return state
}

function Warnings({ state }: ViewProps<WarningsState>) {
  if (state.list.length === 0) return null
  return (
    <section className="diagnostics" aria-label="Warnings">
      <ul>
        {state.list.map((d) => (
          <li key={`${d.kind}:${d.node_id ?? ''}`} className="diagnostic">
            <span className="diagnostic-icon" aria-hidden="true">
              !
            </span>
            <span>
              <strong>{d.message}</strong>
              {d.node_id ? <span className="diagnostic-node"> (node “{d.node_id}”)</span> : null}
              {d.hint ? <span className="diagnostic-hint"> {d.hint}</span> : null}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}

registerView<WarningsState>({
  id: 'warnings',
  title: 'Warnings',
  description: 'What went wrong in this run, in plain words, with what to try; each warning also sits on the node it names.',
  eventTypes: ['diagnostic'],
  places: ['run'],
  order: 10,
  init: () => ({ list: [] }),
  reduce: reduceWarnings,
  Component: Warnings,
})
