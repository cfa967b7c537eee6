/**
 * The training dashboard: settings and Train, the selected run's controls, progress and live
 * charts, its test results, warnings and failure reason, the run history and the comparison of
 * two runs. The chart grid is composed from the view registry (`viewsFor('dashboard')`: loss,
 * accuracy, confusion matrix, decision boundary, and any other view registered for the
 * dashboard), not hand-wired.
 *
 * Fed by one websocket per opened run (`useRunEvents`), reduced in the run store (and, by it, in
 * each view's state).
 */

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { isTerminal } from '../api/events'
import { useRunEvents } from '../api/useRunEvents'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import { viewsFor } from '../views'
import { ViewSlot } from '../views/ViewSlot'
import { CompareRuns } from './CompareRuns'
import { Progress } from './Progress'
import type { RunView } from './reduceEvents'
import { RunControls } from './RunControls'
import { RunList } from './RunList'
import { runTitle } from './runNames'
import { StatusBadge } from './StatusBadge'
import { TestResults } from './TestResults'
import { TrainPanel } from './TrainPanel'
import './training.css'

function ConnectionNote({ runId }: { runId: string }) {
  const connection = useRunStore((s) => s.connections[runId])
  if (!connection) return null
  const reconnecting = connection.state === 'reconnecting' || (connection.state === 'connecting' && connection.info.attempt > 0)
  if (connection.info.error) {
    return <span className="conn-note conn-error" role="status">{connection.info.error}</span>
  }
  return (
    <span className="conn-note" role="status" aria-live="polite">
      {reconnecting ? <span className="conn-reconnecting">Reconnecting…</span> : connection.state === 'open' ? <span className="conn-live">live</span> : null}
    </span>
  )
}

function FailureNote({ view }: { view: RunView }) {
  const failure = view.failure
  if (!failure) {
    if (view.status === 'stopped') return <p className="run-note">Stopped{view.epoch ? ` during epoch ${view.epoch}` : ''}. The charts show where it got to.</p>
    if (view.status === 'interrupted') return <p className="run-note">The server restarted while this run trained; it was interrupted.</p>
    return null
  }
  if (failure.status !== 'failed') return failure.message ? <p className="run-note">{failure.message}</p> : null
  return (
    <div className="run-failure" role="alert">
      <p className="run-failure-title">Training failed: {failure.message}</p>
      {failure.nodeId ? <p>At node “{failure.nodeId}”.</p> : null}
      {failure.hint ? <p className="run-failure-hint">What to try: {failure.hint}</p> : null}
    </div>
  )
}

export function Dashboard() {
  const selectedRunId = useRunStore((s) => s.selectedRunId)
  const view = useRunStore((s) => (selectedRunId ? (s.views[selectedRunId] ?? null) : null))
  const summary = useRunStore((s) => (selectedRunId ? s.runs.find((r) => r.id === selectedRunId) : undefined))
  const datasets = useEditorStore((s) => s.datasets)
  const editorDataset = useEditorStore((s) => s.datasetRef?.name ?? null)
  const [expanded, setExpanded] = useExpanded()
  const headerBottom = usePageHeaderBottom(expanded)
  const root = useRef<HTMLElement>(null)
  useRunEvents(selectedRunId)

  // Expanding or collapsing starts at the top (not where the overlay was last scrolled to).
  useLayoutEffect(() => {
    if (root.current) root.current.scrollTop = 0
  }, [expanded])

  const datasetName = summary?.dataset ?? (selectedRunId ? null : editorDataset)
  const datasetInfo = datasets.find((d) => d.name === datasetName)
  const datasetKind = datasetInfo?.kind ?? null
  // The data set's task (forecast, language model…) decides which views apply; the metrics' task otherwise.
  const task = datasetInfo?.task ?? view?.task ?? null
  const dashboardViews = useMemo(() => viewsFor('dashboard'), [])
  const runViews = useMemo(() => viewsFor('run'), [])
  const live = view ? !isTerminal(view.status) : summary ? !isTerminal(summary.status) : false

  return (
    <section
      ref={root}
      className={`dashboard${expanded ? ' is-expanded' : ''}`}
      aria-label="Training dashboard"
      style={expanded && headerBottom != null ? { top: headerBottom } : undefined}
    >
      <div className="dash-left">
        <TrainPanel />
        {selectedRunId ? (
          <div className="run-head">
            <div className="run-head-title">
              <h2 className="dash-title run-title">{summary ? runTitle(summary) : `Run ${selectedRunId.slice(0, 8)}`}</h2>
              <StatusBadge status={view?.status ?? summary?.status ?? null} />
              <ConnectionNote runId={selectedRunId} />
            </div>
            {live ? <RunControls runId={selectedRunId} view={view} /> : null}
            {view ? <Progress view={view} /> : null}
            {view ? <FailureNote view={view} /> : null}
            {runViews.map((v) => (
              <ViewSlot key={v.id} view={v} runId={selectedRunId} datasetKind={datasetKind} task={task} />
            ))}
          </div>
        ) : null}
        {view ? <TestResults view={view} /> : null}
      </div>
      <div className="dash-charts">
        {selectedRunId ? null : (
          <p className="dash-intro">
            Build a network (or load a template), then press <strong>Train</strong>: loss, accuracy, the confusion matrix and — on 2-D data
            — the decision boundary update live here.
          </p>
        )}
        <div className="chart-grid">
          {dashboardViews.map((v) => (
            <ViewSlot key={v.id} view={v} runId={selectedRunId ?? ''} datasetKind={datasetKind} task={task} />
          ))}
        </div>
        <CompareRuns />
      </div>
      <aside className="dash-side">
        <button
          type="button"
          className="btn dash-expand"
          onClick={() => setExpanded(!expanded)}
          title={expanded ? 'Back to the editor (Esc)' : 'Show the dashboard over the whole page'}
        >
          {expanded ? 'Collapse dashboard' : 'Expand dashboard'}
        </button>
        <RunList />
      </aside>
    </section>
  )
}

/** The dashboard over the whole page (a projector view); remembered, Esc leaves it. */
function useExpanded(): [boolean, (on: boolean) => void] {
  const [expanded, setExpandedState] = useState(() => {
    try {
      return window.localStorage.getItem(EXPANDED_KEY) === '1'
    } catch {
      return false
    }
  })
  const setExpanded = useCallback((on: boolean) => {
    setExpandedState(on)
    try {
      window.localStorage.setItem(EXPANDED_KEY, on ? '1' : '0')
    } catch {
      // private mode: not remembered
    }
  }, [])
  useEffect(() => {
    if (!expanded) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) setExpanded(false)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [expanded, setExpanded])
  useScrollLock(expanded)
  return [expanded, setExpanded]
}

const EXPANDED_KEY = 'layerlab.dashboardExpanded'

/**
 * While the dashboard covers the page, it owns the scroll: the page behind is pinned at the
 * top (its header stays where the overlay starts) and cannot be scrolled by the wheel,
 * touch or keys; the overlay scrolls on its own (`overscroll-behavior: contain`).
 */
function useScrollLock(active: boolean): void {
  useEffect(() => {
    if (!active) return
    const root = document.documentElement
    window.scrollTo(0, 0)
    root.classList.add(SCROLL_LOCK_CLASS)
    return () => root.classList.remove(SCROLL_LOCK_CLASS)
  }, [active])
}

/** On <html> while the expanded dashboard is shown (training.css locks the page's scroll). */
const SCROLL_LOCK_CLASS = 'dashboard-expanded'

/** Where the page header ends (the expanded dashboard starts below it, whatever its height). */
function usePageHeaderBottom(active: boolean): number | null {
  const [bottom, setBottom] = useState<number | null>(null)
  useEffect(() => {
    if (!active) return
    const header = document.querySelector('header')
    if (!header) return
    const measure = () => setBottom(Math.round(header.getBoundingClientRect().bottom))
    measure()
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure)
    observer?.observe(header)
    return () => observer?.disconnect()
  }, [active])
  return bottom
}

export default Dashboard
