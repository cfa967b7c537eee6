/**
 * The run history (GET /api/runs, refreshed while runs are live): a status badge per run,
 * open one to replay its charts, tick two to overlay their curves.
 */

import { memo, useEffect, useMemo } from 'react'
import { isTerminal } from '../api/events'
import type { RunSummary } from '../api/runsApi'
import { useRunStore } from '../store/runStore'
import { formatPercent, formatWhen } from './format'
import { runLabels, shortRunId } from './runNames'
import { StatusBadge } from './StatusBadge'

/** How often the list is refreshed: often while something is live, rarely otherwise. */
const LIVE_REFRESH_MS = 2000
const IDLE_REFRESH_MS = 15000

function headline(run: RunSummary): string | null {
  const final = run.final ?? null
  const accuracy = final && typeof final.accuracy === 'number' ? final.accuracy : run.latest?.val?.accuracy
  if (typeof accuracy === 'number') return `${final && typeof final.accuracy === 'number' ? 'test' : 'val'} ${formatPercent(accuracy)}`
  const r2 = final && typeof final.r2 === 'number' ? final.r2 : run.latest?.val?.r2
  if (typeof r2 === 'number') return `R² ${r2.toFixed(3)}`
  return null
}

export const RunList = memo(function RunList() {
  const runs = useRunStore((s) => s.runs)
  const loaded = useRunStore((s) => s.runsLoaded)
  const error = useRunStore((s) => s.runsError)
  const selected = useRunStore((s) => s.selectedRunId)
  const compareIds = useRunStore((s) => s.compareIds)
  const refreshRuns = useRunStore((s) => s.refreshRuns)
  const selectRun = useRunStore((s) => s.selectRun)
  const toggleCompare = useRunStore((s) => s.toggleCompare)
  const removeRun = useRunStore((s) => s.removeRun)
  const anyLive = runs.some((r) => !isTerminal(r.status))
  const labels = useMemo(() => runLabels(runs), [runs])

  useEffect(() => {
    void refreshRuns()
    const timer = window.setInterval(() => {
      if (!document.hidden) void refreshRuns()
    }, anyLive ? LIVE_REFRESH_MS : IDLE_REFRESH_MS)
    const onFocus = () => void refreshRuns()
    window.addEventListener('focus', onFocus)
    return () => {
      window.clearInterval(timer)
      window.removeEventListener('focus', onFocus)
    }
  }, [anyLive, refreshRuns])

  return (
    <section className="run-list" aria-labelledby="run-list-title">
      <h2 id="run-list-title" className="dash-title">
        Runs {runs.length > 0 ? <span className="count">{runs.length}</span> : null}
      </h2>
      {error ? <p className="run-list-error" role="alert">{error}</p> : null}
      {loaded && runs.length === 0 && !error ? <p className="run-list-empty">No runs yet. Press Train to start one.</p> : null}
      {runs.length > 0 ? (
        <p className="run-list-help">Open a run to replay it; tick two to compare.</p>
      ) : null}
      <ul>
        {runs.map((run) => {
          const { title, shared, label } = labels.get(run.id) ?? { title: run.id, shared: false, label: run.id }
          const score = headline(run)
          const current = run.id === selected
          return (
            <li key={run.id} className={`run-item${current ? ' is-current' : ''}`}>
              <input
                type="checkbox"
                className="run-compare"
                aria-label={`Compare ${label}`}
                checked={compareIds.includes(run.id)}
                onChange={() => toggleCompare(run.id)}
              />
              <button
                type="button"
                className="run-open"
                aria-current={current ? 'true' : undefined}
                onClick={() => selectRun(run.id)}
                title={`Open ${label}`}
              >
                <span className="run-name">
                  {title}
                  {shared ? <span className="run-short-id"> ({shortRunId(run.id)})</span> : null}
                </span>
                <span className="run-meta">
                  <StatusBadge status={run.status} />
                  {run.status === 'queued' && run.position != null ? <span>#{run.position} in queue</span> : null}
                  {score ? <span className="run-score">{score}</span> : null}
                  <span className="run-when">{formatWhen(run.created_at)}</span>
                </span>
              </button>
              {isTerminal(run.status) ? (
                <button type="button" className="run-delete" aria-label={`Delete ${label}`} title="Delete this run" onClick={() => void removeRun(run.id)}>
                  ×
                </button>
              ) : null}
            </li>
          )
        })}
      </ul>
    </section>
  )
})
