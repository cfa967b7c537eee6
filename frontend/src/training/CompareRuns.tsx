/**
 * Two runs' curves overlaid: loss (validation per epoch, smoothed training per step, on one
 * epoch axis so that other batch sizes line up) and validation accuracy (R² for regression). A run's history comes from `GET /api/runs/{id}/events` through the same reducer as the
 * live view (and stays cached in the run store); runs still training are polled.
 */

import { memo, useEffect } from 'react'
import { isTerminal } from '../api/events'
import { runsApi } from '../api/runsApi'
import { useRunStore } from '../store/runStore'
import type { Data, Layout } from './plotly'
import { baseConfig, baseLayout, SERIES } from './plotly'
import type { RunView } from './reduceEvents'
import { runTitle, shortRunId } from './runNames'
import { smoothedLossByEpoch, testMetrics } from './reduceEvents'
import { formatNumber, formatPercent } from './format'
import { usePlot } from './usePlot'

const POLL_MS = 3000

/** Load (and keep loading, while it trains) the recorded events of each run. */
function useRunHistories(ids: string[]): void {
  const key = ids.join(',')
  useEffect(() => {
    if (!key) return
    let alive = true
    let timer = 0
    const load = async () => {
      let live = false
      for (const id of key.split(',')) {
        const store = useRunStore.getState()
        const view = store.views[id]
        if (view && isTerminal(view.status)) continue
        try {
          const events = await runsApi.events(id, view?.lastSeq ?? 0)
          if (!alive) return
          useRunStore.getState().applyEvents(id, events)
        } catch {
          // Shown as an empty curve; the next poll tries again.
        }
        if (!isTerminal(useRunStore.getState().views[id]?.status ?? null)) live = true
      }
      if (alive && live) timer = window.setTimeout(() => void load(), POLL_MS)
    }
    void load()
    return () => {
      alive = false
      window.clearTimeout(timer)
    }
  }, [key])
}

interface OverlayProps {
  label: string
  runs: { title: string; view: RunView | undefined; color: string; dash: 'solid' | 'dash' }[]
  metric: (view: RunView) => { key: string; title: string; percent: boolean }
  /** Also draw each run's smoothed training loss per step (thin, on the same epoch axis). */
  trainingLoss?: boolean
}

function Overlay({ label, runs, metric, trainingLoss = false }: OverlayProps) {
  const plot = usePlot({ minIntervalMs: 250, name: 'compare' })
  const { run, presenter } = plot
  const first = runs.find((r) => r.view)?.view
  const m = first ? metric(first) : null
  useEffect(() => {
    if (!m) return
    void run(async (plotly, element) => {
      const data: Data[] = runs.map(({ title, view, color, dash }) => {
        const points = (view?.epochPoints ?? []).filter((p) => p.val[m.key] !== undefined)
        return {
          type: 'scatter',
          mode: 'lines+markers',
          name: trainingLoss ? `${title} · validation` : title,
          x: points.map((p) => p.epoch),
          y: points.map((p) => (m.percent ? p.val[m.key] * 100 : p.val[m.key])),
          line: { color, width: 2.5, dash },
          marker: { size: presenter ? 8 : 5 },
        }
      })
      if (trainingLoss) {
        for (const { title, view, color, dash } of runs) {
          if (!view) continue
          const { x, y } = smoothedLossByEpoch(view)
          data.push({ type: 'scatter', mode: 'lines', name: `${title} · training`, x, y, opacity: 0.55, line: { color, width: 1.5, dash } })
        }
      }
      const base = baseLayout(element, presenter)
      const layout: Partial<Layout> = {
        ...base,
        hovermode: 'x unified',
        xaxis: { ...base.xaxis, title: { text: 'epoch' } },
        yaxis: { ...base.yaxis, title: { text: m.percent ? `${m.title} (%)` : m.title }, ticksuffix: m.percent ? '%' : undefined },
      }
      await plotly.react(element, data, layout, baseConfig)
    })
  }, [runs[0]?.view, runs[1]?.view, runs[0]?.title, runs[1]?.title, m?.key, run, presenter, trainingLoss])
  return (
    <figure className="chart-card">
      <figcaption>
        {m ? (trainingLoss ? 'Loss: validation and training (smoothed)' : `Validation ${m.title}`) : label}
      </figcaption>
      <div className="chart-wrap">
        <div ref={plot.ref} className="chart" role="img" aria-label={label} />
        {!m ? <p className="chart-empty">Loading the runs…</p> : null}
      </div>
    </figure>
  )
}

const lossMetric = () => ({ key: 'loss', title: 'loss', percent: false })
const scoreMetric = (view: RunView) =>
  view.task === 'regression' ? { key: 'r2', title: 'R²', percent: false } : { key: 'accuracy', title: 'accuracy', percent: true }

export const CompareRuns = memo(function CompareRuns() {
  const compareIds = useRunStore((s) => s.compareIds)
  const runs = useRunStore((s) => s.runs)
  const views = useRunStore((s) => s.views)
  const clearCompare = useRunStore((s) => s.clearCompare)
  useRunHistories(compareIds.length === 2 ? compareIds : [])
  if (compareIds.length !== 2) return null

  const entries = compareIds.map((id, i) => {
    const summary = runs.find((r) => r.id === id)
    return {
      id,
      // Two runs of one template share a name: the short id tells them apart.
      title: summary?.name ? `${summary.name} (${shortRunId(id)})` : summary ? runTitle(summary) : id.slice(0, 8),
      view: views[id],
      color: i === 0 ? SERIES.runA : SERIES.runB,
      dash: (i === 0 ? 'solid' : 'dash') as 'solid' | 'dash',
    }
  })

  const testColumns = testMetrics(entries.find((e) => e.view?.evaluation)?.view?.evaluation ?? null)

  return (
    <section className="compare" aria-labelledby="compare-title">
      <header className="compare-head">
        <h2 id="compare-title" className="dash-title">
          Compare: <span style={{ color: entries[0].color }}>{entries[0].title}</span> vs{' '}
          <span style={{ color: entries[1].color }}>{entries[1].title}</span>
        </h2>
        <button type="button" className="btn" onClick={clearCompare}>
          Close comparison
        </button>
      </header>
      <div className="chart-grid chart-grid-2">
        <Overlay label="Compared loss" runs={entries} metric={lossMetric} trainingLoss />
        <Overlay label="Compared validation accuracy" runs={entries} metric={scoreMetric} />
      </div>
      {testColumns.length > 0 ? (
        <table className="compare-table">
          <caption className="visually-hidden">Final test metrics of the compared runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              {testColumns.map((m) => (
                <th key={m.key} scope="col">
                  {m.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const mine = testMetrics(e.view?.evaluation ?? null)
              return (
                <tr key={e.id}>
                  <th scope="row" style={{ color: e.color }}>
                    {e.title}
                  </th>
                  {testColumns.map((r) => {
                    const v = mine.find((m) => m.key === r.key)
                    return <td key={r.key}>{v ? (v.format === 'percent' ? formatPercent(v.value) : formatNumber(v.value)) : '—'}</td>
                  })}
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  )
})
