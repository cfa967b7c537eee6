/**
 * The server's health as the page shows it: `GET /api/health` polled, more often while
 * something is wrong. Plain TypeScript (no React), tested with a fake fetch and timers.
 */
import { apiBase } from '../api/config'
import type { Health } from '../api/types'

/** How often to ask while all is well, and while degraded or unreachable (ms). */
export const HEALTH_POLL_MS = { ok: 5_000, degraded: 2_000 }

/** What the banner needs: nothing while ok; the reason and hint while degraded. */
export interface HealthProblem {
  reason: string
  hint: string | null
}

/** The problem a health answer describes, or null when the server is fine. */
export function problemOf(health: Health): HealthProblem | null {
  if (health.status !== 'degraded') return null
  return { reason: health.reason ?? 'The server reports a problem.', hint: health.hint ?? null }
}

export interface HealthPollerOptions {
  onProblem: (problem: HealthProblem | null) => void
  fetchHealth?: () => Promise<Health>
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

async function defaultFetchHealth(): Promise<Health> {
  const response = await fetch(`${apiBase}/api/health`, { headers: { Accept: 'application/json' } })
  if (!response.ok) throw new Error(`health ${response.status}`)
  return (await response.json()) as Health
}

/**
 * Polls health until stopped; reports each change of problem (null = fine). An unreachable
 * server is not reported here (the page says so where requests fail) but is polled faster.
 * Returns a stop function.
 */
export function pollHealth(options: HealthPollerOptions): () => void {
  const fetchHealth = options.fetchHealth ?? defaultFetchHealth
  const schedule = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms))
  const cancel = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>))
  let stopped = false
  let timer: unknown = null
  let last: string | null = ''
  const tick = async () => {
    let delay = HEALTH_POLL_MS.degraded
    try {
      const problem = problemOf(await fetchHealth())
      const key = problem ? `${problem.reason}\n${problem.hint ?? ''}` : null
      if (!stopped && key !== last) {
        last = key
        options.onProblem(problem)
      }
      if (!problem) delay = HEALTH_POLL_MS.ok
    } catch {
      // unreachable: try again soon
    }
    if (!stopped) timer = schedule(() => void tick(), delay)
  }
  void tick()
  return () => {
    stopped = true
    if (timer !== null) cancel(timer)
  }
}
