/**
 * Snapshots over training steps, for views that can be scrubbed: append as events come (steps
 * rising), look up what was current at a step.
 */

export interface Snapshot<T> {
  /** The training step the snapshot belongs to. */
  step: number
  value: T
}

/** Append a snapshot (a snapshot for the same step replaces the last one). */
export function pushSnapshot<T>(history: Snapshot<T>[], step: number, value: T): void {
  const last = history[history.length - 1]
  if (last && last.step === step) last.value = value
  else history.push({ step, value })
}

/**
 * The last snapshot with `step ≤ at` (binary search over rising steps); with `at` null (follow
 * live) the newest. Null when there is none that early.
 */
export function snapshotAt<T>(history: readonly Snapshot<T>[], at: number | null): T | null {
  if (history.length === 0) return null
  if (at === null) return history[history.length - 1].value
  let lo = 0
  let hi = history.length - 1
  if (history[0].step > at) return null
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (history[mid].step <= at) lo = mid
    else hi = mid - 1
  }
  return history[lo].value
}
