/** The scrub step for a run from the run store: the recorded step to show, or null (live). */

import { useRunStore } from '../store/runStore'

export function useScrubStep(runId: string): number | null {
  return useRunStore((s) => (s.scrub && s.scrub.runId === runId ? s.scrub.step : null))
}

/** The run whose inside the canvas and the node panel show: the selected run ('' for none). */
export function useInsideRunId(): string {
  return useRunStore((s) => s.selectedRunId ?? '')
}
