/** A run's state as a coloured badge with words (never colour alone). */

import type { RunState } from '../api/events'

const LABELS: Record<RunState, string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  failed: 'Failed',
  stopped: 'Stopped',
  interrupted: 'Interrupted',
}

export function StatusBadge({ status }: { status: RunState | null }) {
  if (!status) return <span className="run-badge run-badge-unknown">Starting</span>
  return <span className={`run-badge run-badge-${status}`}>{LABELS[status]}</span>
}
