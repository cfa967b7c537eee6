/**
 * The decision boundary drawn on a 2-D canvas: the plane's grid painted into a small image (one
 * pixel per grid cell) and drawn scaled over the plot area, the data points on top, the axes
 * with their ticks. A draw costs about a millisecond whatever the data set's size (the grid is
 * the event's `resolution` squared, the points at most a few hundred); plotly's heatmap and
 * scatter cost 35–50 ms a draw and 110–180 ms for the first.
 *
 * Everything here is pure: colours from values, the equal-aspect layout (one data unit is as
 * long across as up, like a map), data ↔ pixel mappings and the grid cell under a point. The
 * component (`DecisionBoundary.tsx`) sizes the canvas, schedules the draws and handles hover
 * and clicks.
 */

import type { DecisionBoundaryEvent } from '../api/events'
import { fromPixelX, fromPixelY, niceTicks, tickLabel, toPixelX, toPixelY, type ChartLayout } from './lineChart'
import { CLASS_COLORS } from './plotly'

export type Rgb = [number, number, number]

/** The parts of a boundary event the drawing reads. */
export type Plane = Pick<DecisionBoundaryEvent, 'grid' | 'probabilities' | 'x_range' | 'y_range' | 'points'>

/** `count` evenly spaced values from `lo` to `hi` (both included). */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (count <= 1) return [lo]
  const step = (hi - lo) / (count - 1)
  return Array.from({ length: count }, (_, i) => lo + i * step)
}

/**
 * What the plane shows: for two classes the probability of class 1 (0 = surely class 0,
 * 1 = surely class 1), else the grid itself (class index or predicted value).
 */
export function boundarySurface(event: Pick<DecisionBoundaryEvent, 'grid' | 'probabilities'>, classes: number): number[][] {
  const probabilities = event.probabilities
  if (classes === 2 && probabilities) {
    return event.grid.map((row, i) => row.map((cls, j) => (cls >= 0.5 ? probabilities[i][j] : 1 - probabilities[i][j])))
  }
  return event.grid
}

/** Classes to colour: the largest class seen in the grid or the points, or the names known. */
export function classCount(plane: Pick<Plane, 'grid' | 'points'>, labels: readonly string[] | null): number {
  let max = 0
  for (const row of plane.grid) for (const v of row) if (v > max) max = v
  for (const p of plane.points) if (p[2] > max) max = p[2]
  return Math.max(2, labels?.length ?? 0, Math.round(max) + 1)
}

// ---- colours ---------------------------------------------------------------------------

export function hexToRgb(hex: string): Rgb {
  const h = hex.replace('#', '')
  const full = h.length === 3 ? h.replace(/./g, (c) => c + c) : h
  const n = Number.parseInt(full, 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

export function rgbText(c: Rgb): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)]
}

/** `c` laid with opacity `alpha` over white (the plane is opaque: its colours are known exactly). */
export function overWhite(c: Rgb, alpha: number): Rgb {
  return mix([255, 255, 255], c, alpha)
}

/** How strongly the plane's colours show over white (the points on top are opaque). */
export const PLANE_OPACITY = { binary: 0.85, classes: 0.5, regression: 0.75 } as const

const MIDDLE: Rgb = hexToRgb('#f4f4f4')

export function classRgb(c: number): Rgb {
  const n = CLASS_COLORS.length
  return hexToRgb(CLASS_COLORS[((Math.round(c) % n) + n) % n])
}

/** Two classes: the colour of P(class 1) = `p`, class 0's colour through light grey to class 1's. */
export function binaryColor(p: number): Rgb {
  const t = Math.max(0, Math.min(1, Number.isFinite(p) ? p : 0.5))
  return t < 0.5 ? mix(classRgb(0), MIDDLE, t / 0.5) : mix(MIDDLE, classRgb(1), (t - 0.5) / 0.5)
}

/** Blue (low) through near white (middle) to red (high), like plotly's `RdBu`; `t` in [0, 1]. */
const DIVERGING: readonly [number, Rgb][] = [
  [0, hexToRgb('#2166ac')],
  [0.25, hexToRgb('#67a9cf')],
  [0.5, hexToRgb('#f7f7f7')],
  [0.75, hexToRgb('#ef8a62')],
  [1, hexToRgb('#b2182b')],
]

export function divergingColor(t: number): Rgb {
  const v = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0.5))
  for (let k = 1; k < DIVERGING.length; k += 1) {
    const [at, color] = DIVERGING[k]
    if (v <= at) {
      const [from, base] = DIVERGING[k - 1]
      return mix(base, color, (v - from) / (at - from))
    }
  }
  return DIVERGING[DIVERGING.length - 1][1]
}

/** The CSS gradient of the regression scale (the legend's colour bar). */
export function divergingGradient(): string {
  return `linear-gradient(to right, ${DIVERGING.map(([at, c]) => `${rgbText(c)} ${at * 100}%`).join(', ')})`
}

/** The lowest and highest finite value of the grid ([0, 1] for an empty one). */
export function gridRange(grid: readonly (readonly number[])[]): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const row of grid)
    for (const v of row) {
      if (!Number.isFinite(v)) continue
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  return lo <= hi ? [lo, hi] : [0, 1]
}

/** How the plane is coloured: by P(class 1), by class, or by the predicted value over [low, high]. */
export type Coloring = { kind: 'binary' } | { kind: 'classes' } | { kind: 'regression'; low: number; high: number }

export function coloringFor(plane: Plane, task: 'classification' | 'regression', classes: number): Coloring {
  if (task === 'regression') {
    const [low, high] = gridRange(plane.grid)
    return { kind: 'regression', low, high }
  }
  return classes === 2 && plane.probabilities ? { kind: 'binary' } : { kind: 'classes' }
}

/** Where `v` lies in [low, high] (0.5 when the range is empty). */
export function unit(v: number, low: number, high: number): number {
  return high > low ? (v - low) / (high - low) : 0.5
}

/** The colour of one value of the surface (`boundarySurface`) on the plane. */
export function planeColor(v: number, coloring: Coloring): Rgb {
  if (coloring.kind === 'binary') return overWhite(binaryColor(v), PLANE_OPACITY.binary)
  if (coloring.kind === 'classes') return overWhite(classRgb(v), PLANE_OPACITY.classes)
  return overWhite(divergingColor(unit(v, coloring.low, coloring.high)), PLANE_OPACITY.regression)
}

/** A data point's colour: its class, or its target on the regression scale. */
export function pointColor(v: number, coloring: Coloring): Rgb {
  if (coloring.kind === 'regression') return divergingColor(unit(v, coloring.low, coloring.high))
  return classRgb(v)
}

/**
 * The plane as RGBA pixels, one per grid cell, `cols` wide and `rows` high, top row first: the
 * grid's row 0 is the lowest y, so it is the image's BOTTOM row.
 */
export function planePixels(surface: readonly (readonly number[])[], coloring: Coloring): { data: Uint8ClampedArray<ArrayBuffer>; cols: number; rows: number } {
  const rows = surface.length
  const cols = rows > 0 ? surface[0].length : 0
  const data = new Uint8ClampedArray(Math.max(0, rows * cols * 4))
  for (let i = 0; i < rows; i += 1) {
    const row = surface[i]
    const base = (rows - 1 - i) * cols * 4
    for (let j = 0; j < cols; j += 1) {
      const [r, g, b] = planeColor(row[j], coloring)
      const at = base + j * 4
      data[at] = r
      data[at + 1] = g
      data[at + 2] = b
      data[at + 3] = 255
    }
  }
  return { data, cols, rows }
}

// ---- layout ----------------------------------------------------------------------------

/** The plot area in CSS pixels and the data ranges it spans (`x0..x1` across, `y0..y1` up): the line charts' layout. */
export type PlaneLayout = ChartLayout

export interface Margins {
  left: number
  right: number
  top: number
  bottom: number
}

export function marginsFor(presenter: boolean): Margins {
  return presenter ? { left: 52, right: 10, top: 28, bottom: 30 } : { left: 38, right: 8, top: 20, bottom: 22 }
}

/**
 * The plot area for the ranges in a `width`×`height` box: as large as the box less its margins
 * allows with one data unit the same length across and up (equal aspect), centred in the room
 * left. An empty range counts as one unit.
 */
export function layoutPlane(
  width: number,
  height: number,
  xRange: readonly [number, number] | readonly number[],
  yRange: readonly [number, number] | readonly number[],
  margins: Margins,
): PlaneLayout {
  const x0 = xRange[0]
  const y0 = yRange[0]
  const x1 = xRange[1] > x0 ? xRange[1] : x0 + 1
  const y1 = yRange[1] > y0 ? yRange[1] : y0 + 1
  const roomW = Math.max(1, width - margins.left - margins.right)
  const roomH = Math.max(1, height - margins.top - margins.bottom)
  const scale = Math.min(roomW / (x1 - x0), roomH / (y1 - y0))
  const w = (x1 - x0) * scale
  const h = (y1 - y0) * scale
  return { left: margins.left + (roomW - w) / 2, top: margins.top + (roomH - h) / 2, width: w, height: h, x0, x1, y0, y1 }
}

export function toPixel(l: PlaneLayout, x: number, y: number): [number, number] {
  return [toPixelX(l, x), toPixelY(l, y)]
}

/** The data point under a pixel; null outside the plot area. */
export function fromPixel(l: PlaneLayout, px: number, py: number): [number, number] | null {
  if (px < l.left || px > l.left + l.width || py < l.top || py > l.top + l.height) return null
  return [fromPixelX(l, px), fromPixelY(l, py)]
}

/**
 * The grid cell nearest to (x, y): the grid's points are `linspace(x_range…, cols)` across and
 * `linspace(y_range…, rows)` up (`grid[i][j]` at x = xs[j], y = ys[i]). Null off the grid.
 */
export function cellAt(plane: Pick<Plane, 'grid' | 'x_range' | 'y_range'>, x: number, y: number): { i: number; j: number } | null {
  const rows = plane.grid.length
  const cols = rows > 0 ? plane.grid[0].length : 0
  if (rows === 0 || cols === 0 || !Number.isFinite(x) || !Number.isFinite(y)) return null
  const index = (v: number, lo: number, hi: number, n: number) => {
    if (n === 1 || hi <= lo) return 0
    const k = Math.round(((v - lo) / (hi - lo)) * (n - 1))
    return Math.max(0, Math.min(n - 1, k))
  }
  return { i: index(y, plane.y_range[0], plane.y_range[1], rows), j: index(x, plane.x_range[0], plane.x_range[1], cols) }
}

/** A coordinate rounded to a thousandth of the range's span (a picked point reads 1.23, not 1.2345678). */
export function roundForRange(v: number, span: number): number {
  if (!(span > 0)) return v
  const decimals = Math.max(0, Math.min(10, Math.ceil(-Math.log10(span / 1000))))
  const f = 10 ** decimals
  return Math.round(v * f) / f
}

/** The hover read-out at (x, y): the position and what the model predicts in that cell. */
export function hoverText(
  plane: Plane,
  coloring: Coloring,
  labels: readonly string[] | null,
  x: number,
  y: number,
): { position: string; value: string } | null {
  const cell = cellAt(plane, x, y)
  if (!cell) return null
  const spanX = plane.x_range[1] - plane.x_range[0]
  const spanY = plane.y_range[1] - plane.y_range[0]
  const position = `x ${roundForRange(x, spanX * 10)}, y ${roundForRange(y, spanY * 10)}`
  const v = plane.grid[cell.i]?.[cell.j]
  if (v === undefined) return null
  if (coloring.kind === 'regression') return { position, value: `prediction ${Number(v.toPrecision(4))}` }
  if (coloring.kind === 'binary' && plane.probabilities) {
    const p = plane.probabilities[cell.i][cell.j]
    const p1 = v >= 0.5 ? p : 1 - p
    return { position, value: `P(class ${labels?.[1] ?? '1'}) = ${p1.toFixed(2)}` }
  }
  const c = Math.round(v)
  return { position, value: `class ${labels?.[c] ?? c}` }
}

// ---- drawing ---------------------------------------------------------------------------

export interface BoundarySpec {
  plane: Plane
  coloring: Coloring
  presenter: boolean
  /** Text colour (the page's). */
  color: string
  /** The point picked on the plane (a ring), or null. */
  picked?: readonly [number, number] | null
}

/** Anything drawImage takes that holds the plane's pixels (the component's offscreen canvas). */
export type PlaneImage = CanvasImageSource

/**
 * Draw the whole chart: the plane image (`image`, `cols`×`rows` pixels from `planePixels`)
 * stretched so each pixel's centre sits on its grid point (half a cell past the ranges, cut at the
 * plot area), smoothed for two classes and regression and blocky for more classes; the data
 * points with a white outline; the axes and their ticks. Returns the layout (for hover and clicks).
 */
export function drawBoundary(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  spec: BoundarySpec,
  image: PlaneImage | null,
  cols: number,
  rows: number,
): PlaneLayout {
  const { plane, coloring, presenter } = spec
  const l = layoutPlane(width, height, plane.x_range, plane.y_range, marginsFor(presenter))
  ctx.save()
  ctx.beginPath()
  ctx.rect(l.left, l.top, l.width, l.height)
  ctx.clip()
  if (image && cols > 0 && rows > 0) {
    const cellW = cols > 1 ? l.width / (cols - 1) : l.width
    const cellH = rows > 1 ? l.height / (rows - 1) : l.height
    ctx.imageSmoothingEnabled = coloring.kind !== 'classes'
    ctx.drawImage(image, l.left - cellW / 2, l.top - cellH / 2, l.width + cellW, l.height + cellH)
  }
  // data points: one path per colour (few fills), white outlines
  const radius = presenter ? 4 : 3
  ctx.lineWidth = 1
  ctx.strokeStyle = '#fff'
  const byColor = new Map<string, [number, number][]>()
  for (const p of plane.points) {
    const key = rgbText(pointColor(p[2], coloring))
    let list = byColor.get(key)
    if (!list) byColor.set(key, (list = []))
    list.push(toPixel(l, p[0], p[1]))
  }
  for (const [fill, list] of byColor) {
    ctx.beginPath()
    for (const [px, py] of list) {
      ctx.moveTo(px + radius, py)
      ctx.arc(px, py, radius, 0, Math.PI * 2)
    }
    ctx.fillStyle = fill
    ctx.fill()
    ctx.stroke()
  }
  if (spec.picked) {
    const [px, py] = toPixel(l, spec.picked[0], spec.picked[1])
    ctx.beginPath()
    ctx.arc(px, py, radius + 4, 0, Math.PI * 2)
    ctx.lineWidth = 3
    ctx.strokeStyle = '#fff'
    ctx.stroke()
    ctx.lineWidth = 1.5
    ctx.strokeStyle = '#0f172a'
    ctx.stroke()
  }
  ctx.restore()
  drawPlaneAxes(ctx, l, spec)
  return l
}

function drawPlaneAxes(ctx: CanvasRenderingContext2D, l: PlaneLayout, spec: BoundarySpec): void {
  const size = spec.presenter ? 15 : 11
  ctx.font = `${size}px system-ui, "Segoe UI", Roboto, sans-serif`
  ctx.fillStyle = spec.color
  ctx.strokeStyle = 'rgba(100, 116, 139, 0.6)'
  ctx.lineWidth = 1
  ctx.beginPath()
  ctx.rect(Math.round(l.left) - 0.5, Math.round(l.top) - 0.5, Math.round(l.width) + 1, Math.round(l.height) + 1)
  const xTicks = niceTicks(l.x0, l.x1, Math.max(2, Math.round(l.width / (size * 5))))
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  const bottom = l.top + l.height
  for (const t of xTicks) {
    const px = Math.round(toPixel(l, t, l.y0)[0]) + 0.5
    ctx.moveTo(px, bottom)
    ctx.lineTo(px, bottom + 4)
    ctx.fillText(tickLabel(t), px, bottom + 5)
  }
  const yTicks = niceTicks(l.y0, l.y1, Math.max(2, Math.round(l.height / (size * 3))))
  ctx.textAlign = 'right'
  ctx.textBaseline = 'middle'
  for (const t of yTicks) {
    const py = Math.round(toPixel(l, l.x0, t)[1]) + 0.5
    ctx.moveTo(l.left, py)
    ctx.lineTo(l.left - 4, py)
    ctx.fillText(tickLabel(t), l.left - 6, py)
  }
  ctx.stroke()
}
