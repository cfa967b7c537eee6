/**
 * The view registry: every chart or panel that shows a run is a *view module* (in the shape of
 * TensorBoard's plugins). A module declares the event types it reduces, where it can appear
 * (the dashboard, a node's panel, on the canvas), how it folds an event into its state, and
 * the component that draws that state. The dashboard, the node panel and the canvas are
 * composed from `viewsFor(place)`, not hand-wired: adding an event type with its view touches
 * the event model, its producer and one view module in `frontend/src/views/` (imported once
 * from `views/index.ts`).
 *
 * Per-run view states live here, outside React and outside the run store's state: the run
 * store hands every event it receives to `feedViews` (see `store/runStore.ts`), which drops
 * what was already applied (the same `seq` rule as `reduceEvents`) and folds each event into
 * the state of every view whose `eventTypes` include its type. A view's `reduce` may mutate
 * and return its state: series are appended, history is never copied. After a batch the run's
 * *version* is bumped, at most once per animation frame; `useViewState` / `useViewVersion`
 * re-render with it. Because a state may be the same (mutated) object from one version to the
 * next, a view keys its drawing on `version` (in `ViewProps`), not on the state's identity.
 */

import type { ComponentType } from 'react'
import { useCallback, useSyncExternalStore } from 'react'
import type { TrainingEvent, TrainingEventType } from '../api/events'
import { isTerminal } from '../api/events'

/** Where a view appears: the chart grid, a node's panel, on the canvas, or under the run's progress. */
export type ViewPlace = 'dashboard' | 'node' | 'canvas' | 'run'

export interface ViewProps<S> {
  /** The run shown; `''` when no run is selected (the dashboard shows its views empty). */
  runId: string
  state: S
  /** The node, for views in a node's panel or on the canvas. */
  nodeId?: string
  /** Scrub: the recorded step to show (the last snapshot with step ≤ it), or null to follow the run live. */
  step: number | null
  /**
   * Bumped (at most once per animation frame) whenever events reached this run's views. `state`
   * may be the same object mutated in place, so draw effects depend on `version`.
   */
  version: number
}

/** What a view may look at to decide whether it applies to a run. */
export interface ViewContext {
  datasetKind: string | null
  task: string | null
}

export interface ViewModule<S = unknown> {
  /** 'loss', 'accuracy', 'confusion', 'boundary', 'activations', ... (unique). */
  id: string
  title: string
  /** One sentence: what it shows and how to read it. */
  description: string
  eventTypes: readonly TrainingEventType[]
  places: readonly ViewPlace[]
  /** Sort key within a place (lower first; registration order breaks ties). Default 100. */
  order?: number
  init(): S
  /** Fold one event in. May mutate and return `state` (append, no copies of history). */
  reduce(state: S, event: TrainingEvent): S
  /** Whether to show it for this run (e.g. the boundary only on 2-D sets). */
  isAvailable?(state: S, ctx: ViewContext): boolean
  Component: ComponentType<ViewProps<S>>
}

const modules: ViewModule[] = []

/** Register a view module (once; a second registration with the same id replaces the first). */
export function registerView<S>(view: ViewModule<S>): void {
  const erased = view as unknown as ViewModule
  const at = modules.findIndex((m) => m.id === view.id)
  if (at === -1) modules.push(erased)
  else modules[at] = erased
  byType.clear()
  for (const run of runs.values()) run.states.delete(view.id)
}

/** The views that can appear at `place`, by `order`, then in registration order. */
export function viewsFor(place: ViewPlace): ViewModule[] {
  return modules
    .map((m, i) => [m, i] as const)
    .filter(([m]) => m.places.includes(place))
    .sort(([a, i], [b, j]) => (a.order ?? 100) - (b.order ?? 100) || i - j)
    .map(([m]) => m)
}

/** A registered view by id. */
export function getView(id: string): ViewModule | undefined {
  return modules.find((m) => m.id === id)
}

const byType = new Map<TrainingEventType, ViewModule[]>()

function viewsReducing(type: TrainingEventType): ViewModule[] {
  let list = byType.get(type)
  if (!list) {
    list = modules.filter((m) => m.eventTypes.includes(type))
    byType.set(type, list)
  }
  return list
}

interface RunViews {
  lastSeq: number
  ended: boolean
  states: Map<string, unknown>
  version: number
  listeners: Set<() => void>
  /** A bump is due when the current frame ends (one was done in this frame already). */
  dirty: boolean
  /** Cancels the pending end-of-frame check, 0 when none. */
  frame: (() => void) | null
}

const runs = new Map<string, RunViews>()

function runViews(runId: string): RunViews {
  let run = runs.get(runId)
  if (!run) {
    run = { lastSeq: 0, ended: false, states: new Map(), version: 0, listeners: new Set(), dirty: false, frame: null }
    runs.set(runId, run)
  }
  return run
}

function stateOf(run: RunViews, view: ViewModule): unknown {
  if (!run.states.has(view.id)) run.states.set(view.id, view.init())
  return run.states.get(view.id)
}

/**
 * Fold a batch of a run's events into its views' states (in order; already-applied `seq`s are
 * dropped, except a final status reaching a run that has not ended). Returns whether any event
 * was applied; the run's version is then bumped (now, or at the end of this frame if it was
 * bumped in this frame already).
 */
export function feedViews(runId: string, events: readonly TrainingEvent[]): boolean {
  const run = runViews(runId)
  let applied = false
  for (const event of events) {
    if (event.run_id !== runId) continue
    const lateEnd = event.type === 'status' && isTerminal(event.status) && !run.ended
    if (event.seq <= run.lastSeq && !lateEnd) continue
    run.lastSeq = Math.max(run.lastSeq, event.seq)
    if (event.type === 'status') run.ended = isTerminal(event.status)
    applied = true
    for (const view of viewsReducing(event.type)) {
      const before = stateOf(run, view)
      try {
        run.states.set(view.id, view.reduce(before, event))
      } catch (error) {
        // One view's bug must not stop the others (or the run's own view) from following the stream.
        console.error(`view ${view.id} could not reduce a ${event.type} event`, error)
      }
    }
  }
  if (applied) bump(run)
  return applied
}

/** Forget a run's view states (the run was deleted). */
export function dropViewStates(runId: string): void {
  const run = runs.get(runId)
  if (!run) return
  run.frame?.()
  runs.delete(runId)
  run.version += 1
  for (const listener of run.listeners) listener()
}

/** The state of one view for one run (created empty on first use); undefined for a run never fed. */
export function getViewState<S>(runId: string, viewId: string): S | undefined {
  const run = runs.get(runId)
  const view = getView(viewId)
  if (!run || !view) return undefined
  return stateOf(run, view) as S
}

/** The newest `seq` fed to the run's views (0 for a run never fed). */
export function fedSeq(runId: string): number {
  return runs.get(runId)?.lastSeq ?? 0
}

/** The run's version: bumped at most once per animation frame when events reached its views. */
export function getViewVersion(runId: string): number {
  return runs.get(runId)?.version ?? 0
}

function subscribe(runId: string, listener: () => void): () => void {
  const run = runViews(runId)
  run.listeners.add(listener)
  return () => run.listeners.delete(listener)
}

function onNextFrame(callback: () => void): () => void {
  if (typeof globalThis.requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    const id = globalThis.requestAnimationFrame(() => callback())
    return () => globalThis.cancelAnimationFrame(id)
  }
  const id = setTimeout(callback, 16)
  return () => clearTimeout(id)
}

function bump(run: RunViews): void {
  if (run.frame) {
    run.dirty = true
    return
  }
  run.version += 1
  for (const listener of run.listeners) listener()
  run.frame = onNextFrame(() => {
    run.frame = null
    if (run.dirty) {
      run.dirty = false
      bump(run)
    }
  })
}

/** Re-renders when the run's views got events (at most once per animation frame); returns the version. */
export function useViewVersion(runId: string): number {
  const sub = useCallback((listener: () => void) => (runId ? subscribe(runId, listener) : () => {}), [runId])
  const get = useCallback(() => getViewVersion(runId), [runId])
  return useSyncExternalStore(sub, get, get)
}

/**
 * One view's state for one run, re-rendering at most once per frame. The object may be the same
 * one from render to render (mutated in place): depend on `useViewVersion(runId)` to redraw.
 */
export function useViewState<S>(runId: string, viewId: string): S | undefined {
  useViewVersion(runId)
  return getViewState<S>(runId, viewId)
}

/** Test helper: forget every run's view states (registrations stay). */
export function resetViewStates(): void {
  for (const run of runs.values()) run.frame?.()
  runs.clear()
}
