/**
 * usePlot: a container for one plotly chart — loads plotly.js, resizes the plot with its box,
 * follows presenter mode, schedules plot calls and frees the plot on unmount.
 *
 * Plot calls go through the views' draw scheduler (`views/frameDraw.ts`): at most one per
 * animation frame (and at least `minIntervalMs` apart), none while the chart is out of sight
 * (it draws when it comes into sight), and always the newest one (a call that waits is replaced
 * by the next). Each draw is named `plot:<name>` in the performance timeline and noted in
 * `window.__layerlab.draws`.
 */

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { useEditorStore } from '../store/editorStore'
import { DrawScheduler, useInSight } from '../views/frameDraw'
import { isPresenter, loadPlotly, type PlotlyApi } from './plotly'

export interface PlotHandle {
  /** Attach to the chart's <div>. */
  ref: (element: HTMLDivElement | null) => void
  element: HTMLDivElement | null
  plotly: PlotlyApi | null
  presenter: boolean
  /**
   * Ask for a plot operation. Operations are coalesced: while one waits (for its frame, for its
   * interval, for the chart to come into sight), a newer one replaces it, so a burst of events
   * costs one redraw, not one per event. An operation must therefore bring the plot from
   * whatever it shows to the newest state (compare with what was drawn). One that returns
   * `false` drew nothing (a clear of an empty chart) and is not noted as a draw.
   */
  run: (op: PlotOp) => void
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
  /** The run drawn (noted with each draw, for `window.__layerlab.draws`). */
  runId?: string
}

export function usePlot({ minIntervalMs = 0, name = 'chart', runId = '' }: PlotOptions = {}): PlotHandle {
  const [element, setElement] = useState<HTMLDivElement | null>(null)
  const [plotly, setPlotly] = useState<PlotlyApi | null>(null)
  const storePresenter = useEditorStore((s) => s.presenter)
  const presenter = storePresenter || (typeof document !== 'undefined' && isPresenter())
  const waiting = useRef<PlotOp | null>(null)
  const scheduler = useRef<DrawScheduler | null>(null)
  const currentRun = useRef(runId)
  useLayoutEffect(() => {
    currentRun.current = runId
  })
  const inSight = useInSight(element, () => scheduler.current?.shown())

  useEffect(() => {
    let alive = true
    loadPlotly().then((api) => alive && setPlotly(() => api))
    return () => {
      alive = false
    }
  }, [])

  useEffect(() => {
    if (!element || !plotly) return
    const s = new DrawScheduler({
      draw: async () => {
        const op = waiting.current
        waiting.current = null
        if (!op || !element.isConnected) return false
        return await op(plotly, element)
      },
      canDraw: () => inSight.current && element.isConnected,
      minIntervalMs,
      name,
      runId: () => currentRun.current,
    })
    scheduler.current = s
    if (waiting.current) s.request()
    return () => {
      s.dispose()
      if (scheduler.current === s) scheduler.current = null
    }
  }, [element, plotly, inSight, minIntervalMs, name])

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

  const run = useCallback((op: PlotOp) => {
    waiting.current = op
    scheduler.current?.request()
  }, [])

  return { ref: setElement, element, plotly, presenter, run }
}
