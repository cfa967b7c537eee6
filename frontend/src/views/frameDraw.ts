/**
 * Drawing a view without slowing the run it shows: a view's draw runs at most once per
 * animation frame (less for heavy views: `minIntervalMs`), only while its element is in sight
 * (IntersectionObserver; a view that came into sight draws at once), and always draws the
 * newest state (the draw function of the latest render is the one called). Draws that came due
 * meanwhile collapse into one.
 *
 * Every draw is named in the browser's performance timeline (`plot:<name>`) and recorded in
 * `window.__layerlab.draws` as `(view, runId, seq, drawnAt)`: `seq` is the newest event the
 * run's views had been fed when it drew, `drawnAt` the wall clock in seconds (the same clock as
 * an event's `time` on one machine), so a test or bench can tell how old what the page shows is.
 */

import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { fedSeq } from './registry'

export interface DrawRecord {
  view: string
  runId: string
  seq: number
  /** Wall clock, seconds since the epoch. */
  drawnAt: number
  /** Time the draw itself took, ms. */
  ms: number
}

export interface LayerlabDebug {
  /** The newest draws (a ring of `MAX_RECORDS`; `dropped` counts what fell off). */
  draws: DrawRecord[]
  dropped: number
}

declare global {
  interface Window {
    __layerlab?: LayerlabDebug
  }
}

const MAX_RECORDS = 50_000

function debug(): LayerlabDebug | null {
  if (typeof window === 'undefined') return null
  window.__layerlab ??= { draws: [], dropped: 0 }
  return window.__layerlab
}

/** Note a draw in the timeline and in `window.__layerlab` (cheap: one small object). */
export function recordDraw(view: string, runId: string, start: number, end: number): void {
  if (typeof performance !== 'undefined' && typeof performance.measure === 'function') {
    try {
      performance.measure(`plot:${view}`, { start, end })
    } catch {
      // a timeline without user timing: nothing to note
    }
  }
  const log = debug()
  if (!log) return
  if (log.draws.length >= MAX_RECORDS) {
    log.draws.splice(0, MAX_RECORDS / 10)
    log.dropped += MAX_RECORDS / 10
  }
  const now = typeof performance !== 'undefined' && performance.timeOrigin ? (performance.timeOrigin + end) / 1000 : Date.now() / 1000
  log.draws.push({ view, runId, seq: runId ? fedSeq(runId) : 0, drawnAt: now, ms: end - start })
}

export interface VisibilityOptions {
  /** Margin around the viewport that counts as in sight (a view about to scroll in is ready). */
  rootMargin?: string
}

/** Whether `element` is in sight, as a ref (no re-render); `onShow` runs when it comes into sight. */
export function useInSight(element: Element | null, onShow: () => void, { rootMargin = '64px' }: VisibilityOptions = {}) {
  const inSight = useRef(true)
  const show = useRef(onShow)
  useLayoutEffect(() => {
    show.current = onShow
  })
  useEffect(() => {
    if (!element || typeof IntersectionObserver === 'undefined') {
      inSight.current = true
      return
    }
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1]
        const was = inSight.current
        inSight.current = entry.isIntersecting
        if (!was && entry.isIntersecting) show.current()
      },
      { rootMargin },
    )
    // Until the first callback says otherwise, assume it is out of sight: nothing drawn for nothing.
    inSight.current = false
    observer.observe(element)
    return () => observer.disconnect()
  }, [element, rootMargin])
  return inSight
}

/**
 * Whether `element` is in sight, as state (the component renders again when it changes): for
 * views that fetch (the gallery, Ask the model) — one out of sight asks the server nothing, as
 * a view out of sight draws nothing. Without IntersectionObserver (tests), always in sight.
 */
export function useVisible(element: Element | null, { rootMargin = '64px' }: VisibilityOptions = {}): boolean {
  const [visible, setVisible] = useState(typeof IntersectionObserver === 'undefined')
  useEffect(() => {
    if (!element || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver((entries) => setVisible(entries[entries.length - 1].isIntersecting), { rootMargin })
    observer.observe(element)
    return () => observer.disconnect()
  }, [element, rootMargin])
  return visible
}

function nextFrame(callback: () => void): () => void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    const id = requestAnimationFrame(() => callback())
    return () => cancelAnimationFrame(id)
  }
  const id = setTimeout(callback, 16)
  return () => clearTimeout(id)
}

/**
 * One budget for every view's drawing in a frame: once the draws of a frame have taken
 * `FRAME_BUDGET_MS`, further draws wait for a coming frame (a view put off `MAX_DEFERRALS` times
 * in a row draws regardless, so none starves). Several charts falling due together — an epoch
 * event updates four of them — then spread over a few frames instead of making one long frame,
 * and the page's drawing leaves the CPU to the run it shows.
 */
export const FRAME_BUDGET_MS = 8
const MAX_DEFERRALS = 4
const frame = { mark: -Infinity, spentMs: 0 }

function frameBudgetLeft(now: number): boolean {
  if (now - frame.mark > 10) {
    // the draws of one animation frame run back to back; a gap this long is a new frame
    frame.mark = now
    frame.spentMs = 0
  }
  return frame.spentMs < FRAME_BUDGET_MS
}

/**
 * A scheduler for one view's draws: `request()` asks for a draw; the draw runs in a coming
 * animation frame, at least `minIntervalMs` after the previous one finished, only when `canDraw()`
 * (in sight), and never while the previous (possibly async) draw is still running. `draw` is
 * read when the draw runs, so the newest one is called.
 */
export interface DrawSchedulerOptions {
  /** Draws; returning `false` (or a promise of it) means nothing was drawn (not noted). */
  draw: () => unknown
  canDraw: () => boolean
  minIntervalMs?: number
  name: string
  runId: () => string
}

export class DrawScheduler {
  private readonly options: DrawSchedulerOptions
  private due = false
  private running = false
  private cancel: (() => void) | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private last = -Infinity
  private disposed = false
  private deferrals = 0

  constructor(options: DrawSchedulerOptions) {
    this.options = options
  }

  request(): void {
    this.due = true
    this.schedule()
  }

  /** The element came into sight: draw now if something is due. */
  shown(): void {
    if (this.due) this.schedule()
  }

  dispose(): void {
    this.disposed = true
    this.cancel?.()
    if (this.timer) clearTimeout(this.timer)
  }

  private schedule(): void {
    if (this.disposed || this.running || this.cancel || this.timer) return
    const wait = this.last + (this.options.minIntervalMs ?? 0) - performance.now()
    if (wait > 1) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.schedule()
      }, wait)
      return
    }
    this.cancel = nextFrame(() => {
      this.cancel = null
      void this.run()
    })
  }

  private async run(): Promise<void> {
    if (this.disposed || !this.due) return
    // Out of sight: stays due, drawn when it comes into sight (`shown`).
    if (!this.options.canDraw()) return
    if (!frameBudgetLeft(performance.now()) && this.deferrals < MAX_DEFERRALS) {
      this.deferrals += 1
      this.schedule()
      return
    }
    this.deferrals = 0
    this.due = false
    this.running = true
    const start = performance.now()
    let drew: unknown = true
    try {
      drew = await this.options.draw()
    } catch (error) {
      console.error(`view ${this.options.name} failed to draw`, error)
    } finally {
      this.running = false
      const end = performance.now()
      frame.spentMs += end - start
      frame.mark = end
      this.last = end
      if (drew !== false) recordDraw(this.options.name, this.options.runId(), start, end)
      if (this.due) this.schedule()
    }
  }
}

export interface FrameDrawOptions {
  /** Least time between two draws, ms (heavy views). */
  minIntervalMs?: number
  /** Names the draws (`plot:<name>` in the timeline, `view` in `window.__layerlab.draws`). */
  name: string
  runId: string
}

/**
 * Draw `element` with `draw` whenever `deps` change (typically `[version, step, …]`): at most once
 * per animation frame, only in sight, always the newest `draw`. For non-plotly views (canvas,
 * SVG, DOM); plotly charts use `usePlot` (training/usePlot.ts), built on the same scheduler.
 */
export function useFrameDraw(element: Element | null, draw: () => unknown, deps: readonly unknown[], options: FrameDrawOptions): void {
  const latest = useRef(draw)
  const runId = useRef(options.runId)
  useLayoutEffect(() => {
    latest.current = draw
    runId.current = options.runId
  })
  const scheduler = useRef<DrawScheduler | null>(null)
  const inSight = useInSight(element, () => scheduler.current?.shown())
  useEffect(() => {
    const s = new DrawScheduler({
      draw: () => latest.current(),
      canDraw: () => inSight.current && element !== null && element.isConnected,
      minIntervalMs: options.minIntervalMs,
      name: options.name,
      runId: () => runId.current,
    })
    scheduler.current = s
    s.request()
    return () => {
      s.dispose()
      if (scheduler.current === s) scheduler.current = null
    }
  }, [element, inSight, options.minIntervalMs, options.name])
  useEffect(() => {
    scheduler.current?.request()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps)
}
