/**
 * What a run is called on the page. Runs of one template share its name ("Spiral MLP"), so
 * where several runs are listed together, the shared names get the run's short id — the
 * same suffix the comparison's legend uses — and every checkbox and button stays unique.
 */
import type { RunSummary } from '../api/runsApi'

type Named = Pick<RunSummary, 'id' | 'name' | 'dataset'>

/** The run's name, or its data set and short id when it has none. */
export function runTitle(run: Named): string {
  return run.name || `${run.dataset ?? 'run'} · ${shortRunId(run.id)}`
}

/** The first six characters of the id (enough to tell a user's runs apart). */
export function shortRunId(id: string): string {
  return id.slice(0, 6)
}

/** For each run: its title, and whether other runs in `runs` share it (then show the short id). */
export function runLabels(runs: Named[]): Map<string, { title: string; shared: boolean; label: string }> {
  const counts = new Map<string, number>()
  for (const run of runs) {
    const title = runTitle(run)
    counts.set(title, (counts.get(title) ?? 0) + 1)
  }
  const labels = new Map<string, { title: string; shared: boolean; label: string }>()
  for (const run of runs) {
    const title = runTitle(run)
    const shared = (counts.get(title) ?? 0) > 1
    labels.set(run.id, { title, shared, label: shared ? `${title} (${shortRunId(run.id)})` : title })
  }
  return labels
}
