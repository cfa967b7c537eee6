/**
 * Snapshots over training steps, for views that can be scrubbed: append as events come (steps
 * rising), look up what was current at a step.
 */

export interface Snapshot<T> {
  /** The training step the snapshot belongs to. */
  step: number
  value: T
}

/** What a view needs to place a per-epoch snapshot on the step axis: the epoch length and the newest step seen. */
export interface EpochClock {
  stepsPerEpoch: number | null
  step: number
}

/**
 * Append a snapshot taken after `epoch`: at the epoch's last step when the epoch length is known,
 * at the newest step seen otherwise (never before the previous snapshot).
 */
export function pushEpochSnapshot<T>(history: Snapshot<T>[], clock: EpochClock, epoch: number | null, value: T): void {
  const at = epoch != null && clock.stepsPerEpoch ? epoch * clock.stepsPerEpoch : clock.step
  pushSnapshot(history, Math.max(at, history[history.length - 1]?.step ?? 0), value)
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
