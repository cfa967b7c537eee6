/**
 * Line charts drawn on a 2-D canvas: the live loss and accuracy curves.
 *
 * A redraw of the whole chart costs well under a millisecond for thousands of points (plotly's
 * SVG redraw of the same chart costs 10–40 ms, and 100 ms or more for a new plot), so the page
 * can show every event as it comes without taking the CPU the run it shows needs. Series longer
 * than the plot is wide are drawn as one min–max stroke per pixel column, so the cost stays
 * bounded by the chart's width, not the run's length.
 *
 * Everything here is pure drawing from plain arrays (the views' append-only state); the chart
 * component (`LineCanvas.tsx`) sizes the canvas, schedules the draws and handles the hover.
 */

export interface LineSeries {
  name: string
  color: string
  /** Stroke width, CSS px. */
  width: number
  opacity?: number
  /** x values, ascending (the view's arrays; only the first `count` are read). */
  x: ArrayLike<number>
  /** y values; NaN breaks the line. */
  y: ArrayLike<number>
  count: number
  /** Dots on the points (few points). */
  markers?: boolean
  /** Shown in the hover read-out (default: 4 significant digits). */
  format?: (value: number) => string
}

export interface Axis {
  /** Fixed ends; null: from the data. */
  min: number | null
  max: number | null
  title?: string
  /** Ticks on whole numbers only (epochs). */
  integer?: boolean
  /** Appended to the tick labels (`%`). */
  suffix?: string
}

export interface LineChartSpec {
  series: LineSeries[]
  x: Axis
  y: Axis
  /** A vertical marker at this x (the scrubbed step), or null. */
  marker?: number | null
  /** The hovered x, drawn as a guide with a dot on each series; null for none. */
  hoverX?: number | null
  presenter?: boolean
  /** Text colour (the page's). */
  color: string
}

/** Where the plot area lies in the canvas and the value → pixel mappings (for the hover). */
export interface ChartLayout {
  left: number
  top: number
  width: number
  height: number
  x0: number
  x1: number
  y0: number
  y1: number
}

/** Ticks over [lo, hi] on a 1-2-5 step, about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return Number.isFinite(lo) ? [lo] : []
  const raw = (hi - lo) / Math.max(1, count)
  const scale = 10 ** Math.floor(Math.log10(raw))
  let step = scale * 10
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * scale >= raw) {
      step = m * scale
      break
    }
  }
  if (integer) step = Math.max(1, Math.round(step))
  const ticks: number[] = []
  const first = Math.ceil(lo / step - 1e-9) * step
  for (let v = first; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)))
  return ticks
}

/** A tick label: short, without trailing zeros. */
export function tickLabel(value: number, suffix = ''): string {
  const a = Math.abs(value)
  let text: string
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) text = value.toExponential(1).replace('e+', 'e')
  else if (a >= 1000) text = value.toLocaleString('en-US', { maximumFractionDigits: 0 })
  else text = String(Number(value.toPrecision(4)))
  return text + suffix
}

/** The range of the finite y values of every series (NaN, NaN when there is none). */
export function dataRange(series: readonly LineSeries[]): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const s of series) {
    for (let i = 0; i < s.count; i += 1) {
      const v = s.y[i]
      if (!Number.isFinite(v)) continue
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN]
}

function xExtent(series: readonly LineSeries[]): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const s of series) {
    if (s.count === 0) continue
    lo = Math.min(lo, s.x[0])
    hi = Math.max(hi, s.x[s.count - 1])
  }
  return lo <= hi ? [lo, hi] : [0, 1]
}

/** The index of the point of `xs` (ascending, first `count`) nearest to `x`; -1 when empty. */
export function nearestIndex(xs: ArrayLike<number>, count: number, x: number): number {
  if (count === 0) return -1
  let lo = 0
  let hi = count - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < x) lo = mid + 1
    else hi = mid
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x)) return lo - 1
  return lo
}

/** The plot area and the axes' ends for `spec` in a `width`×`height` chart. */
export function layoutChart(spec: LineChartSpec, width: number, height: number): ChartLayout {
  const big = spec.presenter ? 1.4 : 1
  const left = Math.round(50 * big)
  const bottom = Math.round((spec.x.title ? 34 : 20) * big)
  const top = Math.round(20 * big) // the legend's line
  const right = 10
  let [x0, x1] = xExtent(spec.series)
  if (spec.x.min !== null) x0 = spec.x.min
  if (spec.x.max !== null) x1 = spec.x.max
  if (x1 <= x0) x1 = x0 + 1
  let [y0, y1] = dataRange(spec.series)
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1]
  if (spec.y.min === null || spec.y.max === null) {
    const pad = (y1 - y0) * 0.06 || Math.abs(y1) * 0.05 || 0.5
    if (spec.y.min === null) y0 -= pad
    if (spec.y.max === null) y1 += pad
  }
  if (spec.y.min !== null) y0 = spec.y.min
  if (spec.y.max !== null) y1 = spec.y.max
  if (y1 <= y0) y1 = y0 + 1
  return { left, top, width: Math.max(1, width - left - right), height: Math.max(1, height - top - bottom), x0, x1, y0, y1 }
}

export function toPixelX(l: ChartLayout, x: number): number {
  return l.left + ((x - l.x0) / (l.x1 - l.x0)) * l.width
}

export function toPixelY(l: ChartLayout, y: number): number {
  return l.top + l.height - ((y - l.y0) / (l.y1 - l.y0)) * l.height
}

/** The x value under a pixel column. */
export function fromPixelX(l: ChartLayout, px: number): number {
  return l.x0 + ((px - l.left) / l.width) * (l.x1 - l.x0)
}

/** The y value under a pixel row. */
export function fromPixelY(l: ChartLayout, py: number): number {
  return l.y0 + ((l.top + l.height - py) / l.height) * (l.y1 - l.y0)
}

/**
 * Stroke one series; NaN breaks the line. Past about two points per pixel column, each column
 * is one vertical stroke from its lowest to its highest value (joined to its neighbours), which
 * looks the same as every point and costs the chart's width.
 */
function strokeSeries(ctx: CanvasRenderingContext2D, l: ChartLayout, s: LineSeries): void {
  const dense = s.count > l.width * 2
  ctx.beginPath()
  let pen = false
  if (!dense) {
    for (let i = 0; i < s.count; i += 1) {
      const v = s.y[i]
      if (!Number.isFinite(v)) {
        pen = false
        continue
      }
      const px = toPixelX(l, s.x[i])
      const py = toPixelY(l, v)
      if (pen) ctx.lineTo(px, py)
      else ctx.moveTo(px, py)
      pen = true
    }
  } else {
    // per pixel column: its first, lowest, highest and last value
    let column = Number.NaN
    let first = 0
    let low = 0
    let high = 0
    let last = 0
    const flush = () => {
      if (!Number.isFinite(column)) return
      const px = column + 0.5
      if (pen) ctx.lineTo(px, toPixelY(l, first))
      else ctx.moveTo(px, toPixelY(l, first))
      ctx.lineTo(px, toPixelY(l, low))
      ctx.lineTo(px, toPixelY(l, high))
      ctx.lineTo(px, toPixelY(l, last))
      pen = true
    }
    for (let i = 0; i < s.count; i += 1) {
      const v = s.y[i]
      if (!Number.isFinite(v)) {
        flush()
        column = Number.NaN
        pen = false
        continue
      }
      const c = Math.floor(toPixelX(l, s.x[i]))
      if (c !== column) {
        flush()
        column = c
        first = v
        low = v
        high = v
      } else {
        if (v < low) low = v
        if (v > high) high = v
      }
      last = v
    }
    flush()
  }
  ctx.strokeStyle = s.color
  ctx.lineWidth = s.width
  ctx.globalAlpha = s.opacity ?? 1
  ctx.stroke()
  if (s.markers) {
    ctx.fillStyle = s.color
    const r = Math.max(2, s.width + 0.5)
    for (let i = 0; i < s.count; i += 1) {
      const v = s.y[i]
      if (!Number.isFinite(v)) continue
      ctx.beginPath()
      ctx.arc(toPixelX(l, s.x[i]), toPixelY(l, v), r, 0, Math.PI * 2)
      ctx.fill()
    }
  }
  ctx.globalAlpha = 1
}

/** Draw the whole chart (grid, axes, series, marker, hover guide); returns its layout. */
export function drawLineChart(ctx: CanvasRenderingContext2D, width: number, height: number, spec: LineChartSpec): ChartLayout {
  const l = layoutChart(spec, width, height)
  const size = spec.presenter ? 16 : 11
  ctx.font = `${size}px system-ui, "Segoe UI", Roboto, sans-serif`
  ctx.fillStyle = spec.color
  // grid and tick labels
  ctx.lineWidth = 1
  ctx.strokeStyle = 'rgba(128, 128, 128, 0.2)'
  const yTicks = niceTicks(l.y0, l.y1, Math.max(2, Math.round(l.height / (size * 3.2))))
  ctx.textAlign = 'right'
  ctx.textBaseline = 'middle'
  ctx.beginPath()
  for (const t of yTicks) {
    const py = Math.round(toPixelY(l, t)) + 0.5
    ctx.moveTo(l.left, py)
    ctx.lineTo(l.left + l.width, py)
    ctx.fillText(tickLabel(t, spec.y.suffix), l.left - 5, py)
  }
  const xTicks = niceTicks(l.x0, l.x1, Math.max(2, Math.round(l.width / (size * 7))), spec.x.integer)
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  for (const t of xTicks) {
    const px = Math.round(toPixelX(l, t)) + 0.5
    ctx.moveTo(px, l.top)
    ctx.lineTo(px, l.top + l.height)
    ctx.fillText(tickLabel(t), px, l.top + l.height + 4)
  }
  ctx.stroke()
  if (spec.x.title) ctx.fillText(spec.x.title, l.left + l.width / 2, l.top + l.height + 6 + size)
  if (spec.y.title) {
    ctx.save()
    ctx.translate(12, l.top + l.height / 2)
    ctx.rotate(-Math.PI / 2)
    ctx.textBaseline = 'middle'
    ctx.fillText(spec.y.title, 0, 0)
    ctx.restore()
  }
  // the series, clipped to the plot area (a loss above a fixed axis is cut, not drawn over the labels)
  ctx.save()
  ctx.beginPath()
  ctx.rect(l.left, l.top - 2, l.width + 2, l.height + 4)
  ctx.clip()
  ctx.lineJoin = 'round'
  for (const s of spec.series) strokeSeries(ctx, l, s)
  if (spec.marker !== null && spec.marker !== undefined && Number.isFinite(spec.marker)) {
    ctx.fillStyle = 'rgba(220, 38, 38, 0.85)'
    ctx.fillRect(Math.round(toPixelX(l, spec.marker)) - 1, l.top, 2, l.height)
  }
  if (spec.hoverX !== null && spec.hoverX !== undefined) {
    const px = Math.round(toPixelX(l, spec.hoverX)) + 0.5
    ctx.strokeStyle = 'rgba(100, 116, 139, 0.7)'
    ctx.lineWidth = 1
    ctx.beginPath()
    ctx.moveTo(px, l.top)
    ctx.lineTo(px, l.top + l.height)
    ctx.stroke()
    for (const s of spec.series) {
      const i = nearestIndex(s.x, s.count, spec.hoverX)
      if (i < 0 || !Number.isFinite(s.y[i])) continue
      ctx.fillStyle = s.color
      ctx.beginPath()
      ctx.arc(toPixelX(l, s.x[i]), toPixelY(l, s.y[i]), 3.5, 0, Math.PI * 2)
      ctx.fill()
    }
  }
  ctx.restore()
  // axis lines
  ctx.strokeStyle = 'rgba(100, 116, 139, 0.6)'
  ctx.beginPath()
  ctx.moveTo(l.left - 0.5, l.top)
  ctx.lineTo(l.left - 0.5, l.top + l.height + 0.5)
  ctx.lineTo(l.left + l.width, l.top + l.height + 0.5)
  ctx.stroke()
  return l
}

/** The hover read-out at `x`: the nearest point of each series (name, x and y). */
export function hoverValues(spec: LineChartSpec, x: number): { name: string; color: string; x: number; text: string }[] {
  const out: { name: string; color: string; x: number; text: string }[] = []
  for (const s of spec.series) {
    const i = nearestIndex(s.x, s.count, x)
    if (i < 0) continue
    const v = s.y[i]
    if (!Number.isFinite(v)) continue
    out.push({ name: s.name, color: s.color, x: s.x[i], text: s.format ? s.format(v) : String(Number(v.toPrecision(4))) })
  }
  return out
}
