/**
 * Undo/redo as two stacks of snapshots (immutable, pure).
 *
 * `record` pushes the state *before* an edit; edits with the same `key` within
 * `coalesceMs` (typing into one field) make one undo step.
 */

export interface History<T> {
  past: T[]
  future: T[]
  lastKey: string | null
  lastAt: number
}

export const HISTORY_LIMIT = 100

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null, lastAt: 0 }
}

export interface RecordOptions {
  /** Edits sharing a key close together in time become one step. */
  key?: string | null
  /** Current time, ms (injectable for tests). */
  now?: number
  coalesceMs?: number
  limit?: number
}

/** History after an edit that leaves `present` behind. */
export function record<T>(history: History<T>, present: T, options: RecordOptions = {}): History<T> {
  const now = options.now ?? Date.now()
  const key = options.key ?? null
  const coalesceMs = options.coalesceMs ?? 1000
  if (key !== null && key === history.lastKey && now - history.lastAt < coalesceMs) {
    return { ...history, future: [], lastAt: now }
  }
  const limit = options.limit ?? HISTORY_LIMIT
  const past = [...history.past, present].slice(-limit)
  return { past, future: [], lastKey: key, lastAt: now }
}

/** Step back: returns the state to show and the new history, or null when there is nothing to undo. */
export function undo<T>(history: History<T>, present: T): { history: History<T>; value: T } | null {
  if (history.past.length === 0) return null
  const value = history.past[history.past.length - 1]
  return {
    value,
    history: { past: history.past.slice(0, -1), future: [present, ...history.future], lastKey: null, lastAt: 0 },
  }
}

/** Step forward again after an undo, or null when there is nothing to redo. */
export function redo<T>(history: History<T>, present: T): { history: History<T>; value: T } | null {
  if (history.future.length === 0) return null
  const [value, ...future] = history.future
  return { value, history: { past: [...history.past, present], future, lastKey: null, lastAt: 0 } }
}

export const canUndo = <T,>(history: History<T>): boolean => history.past.length > 0
export const canRedo = <T,>(history: History<T>): boolean => history.future.length > 0
