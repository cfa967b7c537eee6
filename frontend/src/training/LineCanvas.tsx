/**
 * A live line chart on a canvas (training/lineChart.ts draws it): sized with its box, drawn
 * through the views' draw scheduler (`useFrameDraw`: at most once per frame, newest state, none
 * out of sight), with a legend and a hover read-out of the nearest point of every series.
 */

import { useCallback, useRef, useState, type MouseEvent } from 'react'
import { prepare } from '../inside/draw'
import { useEditorStore } from '../store/editorStore'
import { useFrameDraw } from '../views/frameDraw'
import { useCanvasBox } from './useCanvasBox'
import { drawLineChart, fromPixelX, hoverValues, type ChartLayout, type LineChartSpec, type LineSeries } from './lineChart'

export interface LineCanvasProps {
  /** Names the draws (`plot:<name>`, `window.__layerlab.draws`). */
  name: string
  runId: string
  /** The chart's accessible name (`Loss chart`); the element with it carries `afterDraw`'s attributes. */
  label: string
  /**
   * The chart to draw, built when the draw runs (so from the newest state); null: nothing to
   * draw (the canvas is cleared). `presenter` and `color` are filled in here.
   */
  build: () => Omit<LineChartSpec, 'presenter' | 'color' | 'hoverX'> | null
  /** Redraw when one of these changes. */
  deps: readonly unknown[]
  minIntervalMs?: number
  /** After a draw that drew something: note what it showed (`data-*` attributes). */
  afterDraw?: (element: HTMLDivElement) => void
  /** The hover read-out's heading for an x (`step 120`). */
  xLabel: (x: number) => string
  children?: React.ReactNode
}

/** The chart's element carries the series it last drew (each series' first `count` points). */
export interface PlottedElement extends HTMLDivElement {
  plotted?: readonly LineSeries[]
}

interface Hover {
  x: number
  px: number
  py: number
}

export function LineCanvas({ name, runId, label, build, deps, minIntervalMs, afterDraw, xLabel, children }: LineCanvasProps) {
  const [element, setElement] = useState<HTMLDivElement | null>(null)
  const canvas = useRef<HTMLCanvasElement | null>(null)
  const layout = useRef<ChartLayout | null>(null)
  const lastSpec = useRef<LineChartSpec | null>(null)
  const [hover, setHover] = useState<Hover | null>(null)
  const presenter = useEditorStore((s) => s.presenter)

  const { size, color, resized } = useCanvasBox(element, presenter)

  const draw = () => {
    const target = canvas.current
    const { width, height } = size.current
    if (!element || !target || width <= 0 || height <= 0) return false
    const spec = build()
    const ctx = prepare(target, width, height)
    if (!ctx) return false
    if (!spec) {
      // Nothing to show (no run, or one that has not trained yet): forget what was shown.
      layout.current = null
      lastSpec.current = null
      for (const key of Object.keys(element.dataset)) delete element.dataset[key]
      delete (element as PlottedElement).plotted
      return false
    }
    const full: LineChartSpec = { ...spec, presenter, color: color.current, hoverX: hover?.x ?? null }
    layout.current = drawLineChart(ctx, width, height, full)
    lastSpec.current = full
    ;(element as PlottedElement).plotted = full.series // what it drew, for tests (references, no copies)
    afterDraw?.(element)
    return true
  }
  useFrameDraw(element, draw, [...deps, hover, resized, presenter], { name, runId, minIntervalMs })

  const onMove = useCallback((event: MouseEvent<HTMLDivElement>) => {
    const l = layout.current
    if (!l) return
    const box = event.currentTarget.getBoundingClientRect()
    const px = event.clientX - box.left
    const py = event.clientY - box.top
    if (px < l.left || px > l.left + l.width || py < l.top || py > l.top + l.height) {
      setHover(null)
      return
    }
    setHover({ x: fromPixelX(l, px), px, py })
  }, [])

  const values = hover && lastSpec.current ? hoverValues(lastSpec.current, hover.x) : []
  const series = build()?.series ?? [] // references to the state's arrays: cheap
  // Right of the pointer, pushed left as far as needed for a read-out (about 150 px wide) to fit.
  const hoverLeft = hover === null ? 0 : Math.max(0, Math.min(hover.px + 12, size.current.width - 150))
  return (
    <div ref={setElement} className="chart line-chart" role="img" aria-label={label} onMouseMove={onMove} onMouseLeave={() => setHover(null)}>
      <canvas ref={canvas} />
      {series.length > 0 ? (
        <ul className="line-legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: s.color, opacity: s.opacity ?? 1 }} />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      {values.length > 0 && hover ? (
        <div
          className="chart-hover"
          style={{ left: hoverLeft, top: Math.max(0, hover.py - 12) }}
        >
          <strong>{xLabel(values[0].x)}</strong>
          {values.map((v) => (
            <span key={v.name}>
              <span className="swatch" style={{ background: v.color }} /> {v.name} {v.text}
            </span>
          ))}
        </div>
      ) : null}
      {children}
    </div>
  )
}
