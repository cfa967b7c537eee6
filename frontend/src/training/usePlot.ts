/**
 * usePlot: a container for one plotly chart — loads plotly.js, resizes the plot with its box,
 * follows presenter mode, serialises plot calls and frees the plot on unmount.
 */

import { useCallback, useEffect, useRef, useState } from 'react'
import { useEditorStore } from '../store/editorStore'
import { isPresenter, loadPlotly, type PlotlyApi } from './plotly'

export interface PlotHandle {
  /** Attach to the chart's <div>. */
  ref: (element: HTMLDivElement | null) => void
  element: HTMLDivElement | null
  plotly: PlotlyApi | null
  presenter: boolean
  /**
   * Run a plot operation after the ones already running (plotly calls may return promises).
   * Operations are coalesced: while one waits, a newer one replaces it, so a burst of events
   * (a replay, a busy frame) costs one redraw, not one per event. An operation must therefore
   * bring the plot from whatever it shows to the newest state (compare with what was drawn).
   */
  run: (op: PlotOp) => Promise<void>
}

export type PlotOp = (plotly: PlotlyApi, element: HTMLDivElement) => unknown

export interface PlotOptions {
  /**
   * Least time between two redraws of this chart, in ms. Events still arrive every frame;
   * what came in meanwhile is drawn by the next (coalesced) redraw, so nothing is lost and
   * a busy stream cannot make the page stutter. Heavy charts (the decision boundary) use more.
   */
  minIntervalMs?: number
  /** Names the chart's redraws in the browser's performance timeline (`plot:<name>`). */
  name?: string
}

export function usePlot({ minIntervalMs = 0, name = 'chart' }: PlotOptions = {}): PlotHandle {
  const [element, setElement] = useState<HTMLDivElement | null>(null)
  const [plotly, setPlotly] = useState<PlotlyApi | null>(null)
  const storePresenter = useEditorStore((s) => s.presenter)
  const presenter = storePresenter || (typeof document !== 'undefined' && isPresenter())
  const queue = useRef<Promise<void>>(Promise.resolve())

  useEffect(() => {
    let alive = true
    loadPlotly().then((api) => alive && setPlotly(() => api))
    return () => {
      alive = false
    }
  }, [])

  // Keep the plot as large as its box (presenter mode, window and panel resizes).
  useEffect(() => {
    if (!element || !plotly || typeof ResizeObserver === 'undefined') return
    let frame = 0
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => {
        if (element.classList.contains('js-plotly-plot')) void plotly.Plots.resize(element)
      })
    })
    observer.observe(element)
    return () => {
      cancelAnimationFrame(frame)
      observer.disconnect()
    }
  }, [element, plotly])

  useEffect(() => {
    if (!element || !plotly) return
    return () => {
      plotly.purge(element)
    }
  }, [element, plotly])

  const waiting = useRef<PlotOp | null>(null)
  const lastDraw = useRef(0)
  const run = useCallback(
    (op: PlotOp) => {
      const alreadyQueued = waiting.current !== null
      waiting.current = op
      if (alreadyQueued) return queue.current
      const next = queue.current.then(async () => {
        const wait = lastDraw.current + minIntervalMs - performance.now()
        if (wait > 0) await new Promise((resolve) => window.setTimeout(resolve, wait))
        const latest = waiting.current
        waiting.current = null
        if (!latest || !plotly || !element || !element.isConnected) return
        try {
          const start = performance.now()
          await latest(plotly, element)
          lastDraw.current = performance.now()
          performance.measure(`plot:${name}`, { start, end: lastDraw.current })
        } catch (error) {
          console.error('chart update failed', error)
        }
      })
      queue.current = next
      return next
    },
    [plotly, element, minIntervalMs, name],
  )

  return { ref: setElement, element, plotly, presenter, run }
}

/** Remove the plot and forget what was drawn. */
export function clearPlot(plotly: PlotlyApi, element: HTMLDivElement, drawn?: { current: unknown }): void {
  plotly.purge(element)
  if (drawn) drawn.current = null
  for (const key of Object.keys(element.dataset)) delete element.dataset[key]
}
