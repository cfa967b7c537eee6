/**
 * Per-node history of telemetry snapshots: append only and bounded. A track keeps at most
 * `max` snapshots; when full, every second one of its older half is dropped (the first, the
 * newest and the recent past stay dense), so a long run keeps a coarse view of its start and a
 * fine view of now. `atStep` finds the snapshot the scrubber asks for: the last one at or
 * before a step (the newest for `null`, following the run live).
 */

export interface Track<T> {
  /** Training steps, increasing. */
  steps: number[]
  items: T[]
}

/** Snapshots kept per node (small payloads: statistics and histograms). */
export const MAX_SNAPSHOTS = 200

export function emptyTrack<T>(): Track<T> {
  return { steps: [], items: [] }
}

/** Drop every second snapshot of the older half (keeping the very first). */
export function thin<T>(track: Track<T>): void {
  const half = Math.floor(track.steps.length / 2)
  const steps: number[] = []
  const items: T[] = []
  for (let i = 0; i < track.steps.length; i += 1) {
    if (i < half && i % 2 === 1) continue
    steps.push(track.steps[i])
    items.push(track.items[i])
  }
  track.steps = steps
  track.items = items
}

/**
 * Append a snapshot (mutates `track`). The same step again replaces the last snapshot (one
 * telemetry snapshot may come in parts); an older step than the last is ignored.
 */
export function append<T>(track: Track<T>, step: number, item: T, max = MAX_SNAPSHOTS): void {
  const n = track.steps.length
  if (n > 0) {
    const last = track.steps[n - 1]
    if (step === last) {
      track.items[n - 1] = item
      return
    }
    if (step < last) return
  }
  track.steps.push(step)
  track.items.push(item)
  if (track.steps.length > max) thin(track)
}

/** Index of the last step ≤ `step` (the last index for `null`); -1 when there is none. */
export function indexAtStep(steps: readonly number[], step: number | null): number {
  if (step === null) return steps.length - 1
  let lo = 0
  let hi = steps.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (steps[mid] <= step) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** The snapshot at or before `step` (the newest for `null`), or undefined. */
export function atStep<T>(track: Track<T> | undefined, step: number | null): T | undefined {
  if (!track) return undefined
  const i = indexAtStep(track.steps, step)
  return i === -1 ? undefined : track.items[i]
}

/** A map of node id → track, appended to per node. */
export type Tracks<T> = Record<string, Track<T>>

export function appendTo<T>(tracks: Tracks<T>, nodeId: string, step: number, item: T, max = MAX_SNAPSHOTS): void {
  let track = tracks[nodeId]
  if (!track) {
    track = emptyTrack<T>()
    tracks[nodeId] = track
  }
  append(track, step, item, max)
}

/** The step an event belongs to: its `step`, else its `seq` (an older server left it out). */
export function stepOf(event: { step?: number | null; seq: number }): number {
  return typeof event.step === 'number' ? event.step : event.seq
}
