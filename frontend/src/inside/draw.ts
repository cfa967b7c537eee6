/**
 * Canvas 2D drawing of the inside views (no plotly: these are small and many). Each function
 * draws a whole picture into a canvas sized in CSS pixels (sharp on high-DPI screens).
 */

import type { Histogram } from '../api/events'
import type { Decoded } from './quantized'

/** Size the canvas for `width`×`height` CSS pixels and return its context, scaled to CSS pixels. */
export function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = Math.min(2, typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1)
  const w = Math.max(1, Math.round(width * ratio))
  const h = Math.max(1, Math.round(height * ratio))
  if (canvas.width !== w) canvas.width = w
  if (canvas.height !== h) canvas.height = h
  canvas.style.width = `${width}px`
  canvas.style.height = `${height}px`
  const ctx = canvas.getContext('2d')
  if (!ctx) return null
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
  ctx.clearRect(0, 0, width, height)
  return ctx
}

const ORANGE = [245, 147, 34] as const
const BLUE = [8, 119, 189] as const

/**
 * TensorFlow Playground's colours: orange for negative, white for zero, blue for positive
 * (`t` in [-1, 1]).
 */
export function diverging(t: number): [number, number, number] {
  const c = t < 0 ? ORANGE : BLUE
  const a = Math.min(1, Math.abs(t))
  return [Math.round(255 + (c[0] - 255) * a), Math.round(255 + (c[1] - 255) * a), Math.round(255 + (c[2] - 255) * a)]
}

/** White to dark blue (`t` in [0, 1]): counts, magnitudes. */
export function sequential(t: number): [number, number, number] {
  const a = Math.max(0, Math.min(1, t))
  return [Math.round(255 - 225 * a), Math.round(255 - 180 * a), Math.round(255 - 100 * a)]
}

/** A histogram as bars filling the canvas (a sparkline); the zero bin boundary marked when in range. */
export function drawSparkline(ctx: CanvasRenderingContext2D, width: number, height: number, h: Histogram, color: string): void {
  const n = h.counts.length
  if (n === 0) return
  const max = Math.max(...h.counts, 1)
  const bar = width / n
  ctx.fillStyle = color
  for (let i = 0; i < n; i += 1) {
    const c = h.counts[i]
    if (c <= 0) continue
    // sqrt: one tall bin (all the zeros of a ReLU) must not flatten every other bin
    const bh = Math.max(1, Math.sqrt(c / max) * (height - 1))
    ctx.fillRect(i * bar, height - bh, Math.max(1, bar - 0.5), bh)
  }
  const lo = h.edges[0]
  const hi = h.edges[n]
  if (lo < 0 && hi > 0) {
    const x = ((0 - lo) / (hi - lo)) * width
    ctx.fillStyle = 'rgba(100, 116, 139, 0.7)'
    ctx.fillRect(x - 0.5, 0, 1, height)
  }
}

export interface TileOptions {
  /** Tiles per row. */
  columns: number
  /** Tile size, CSS px. */
  tile: number
  gap: number
  /** Draw at most this many maps. */
  limit: number
  /** Symmetric colours around zero (signed values) or white→blue (non-negative). */
  signed: boolean
}

/**
 * Maps of a decoded (count, height, width) array as a grid of tiles, each scaled to its own
 * range (a unit with small outputs still shows its pattern): signed maps from orange through
 * white (zero) to blue, non-negative ones from white (zero) to blue. Returns the drawn height.
 */
export function drawTiles(ctx: CanvasRenderingContext2D, d: Decoded, o: TileOptions): number {
  const s = d.shape
  const count = s.length >= 3 ? s[s.length - 3] : 1
  const mh = s.length >= 2 ? s[s.length - 2] : 1
  const mw = s[s.length - 1] ?? 1
  const shown = Math.min(count, o.limit)
  const image = new ImageData(mw, mh)
  const scratch = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(mw, mh) : document.createElement('canvas')
  scratch.width = mw
  scratch.height = mh
  const sctx = scratch.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null
  if (!sctx) return 0
  ctx.imageSmoothingEnabled = false
  const size = mh * mw
  for (let m = 0; m < shown; m += 1) {
    const base = m * size
    let low = Infinity
    let high = -Infinity
    for (let i = 0; i < size; i += 1) {
      const v = d.values[base + i]
      if (v < low) low = v
      if (v > high) high = v
    }
    const bound = Math.max(Math.abs(low), Math.abs(high)) || 1
    for (let i = 0; i < size; i += 1) {
      const v = d.values[base + i]
      const [r, g, b] = o.signed ? diverging(v / bound) : sequential(v / bound)
      image.data[i * 4] = r
      image.data[i * 4 + 1] = g
      image.data[i * 4 + 2] = b
      image.data[i * 4 + 3] = 255
    }
    sctx.putImageData(image, 0, 0)
    const col = m % o.columns
    const row = Math.floor(m / o.columns)
    const x = col * (o.tile + o.gap)
    const y = row * (o.tile + o.gap)
    ctx.drawImage(scratch as CanvasImageSource, x, y, o.tile, o.tile)
    ctx.strokeStyle = 'rgba(100, 116, 139, 0.5)'
    ctx.lineWidth = 0.5
    ctx.strokeRect(x + 0.25, y + 0.25, o.tile - 0.5, o.tile - 0.5)
  }
  const rows = Math.ceil(shown / o.columns)
  return rows * o.tile + Math.max(0, rows - 1) * o.gap
}

/** Plot area of a small chart: margins for the axis labels. */
export interface Frame {
  left: number
  top: number
  width: number
  height: number
}

export function frameOf(width: number, height: number): Frame {
  return { left: 44, top: 6, width: width - 52, height: height - 24 }
}

/** A short number for an axis label: 0.012, 1.2e-5, 340. */
export function shortNumber(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e')
  if (a >= 100) return v.toFixed(0)
  if (a >= 1) return String(Number(v.toFixed(2)))
  return String(Number(v.toPrecision(2)))
}

/** Axis lines, the y labels at the bottom and top, and the x labels (first and last step). */
export function drawAxes(
  ctx: CanvasRenderingContext2D,
  f: Frame,
  y: { low: string; high: string; mid?: string },
  x: { first: string; last: string },
  color: string,
): void {
  ctx.strokeStyle = 'rgba(100, 116, 139, 0.6)'
  ctx.lineWidth = 1
  ctx.beginPath()
  ctx.moveTo(f.left - 0.5, f.top)
  ctx.lineTo(f.left - 0.5, f.top + f.height + 0.5)
  ctx.lineTo(f.left + f.width, f.top + f.height + 0.5)
  ctx.stroke()
  ctx.fillStyle = color
  ctx.font = '10px system-ui, sans-serif'
  ctx.textAlign = 'right'
  ctx.textBaseline = 'middle'
  ctx.fillText(y.high, f.left - 4, f.top + 4)
  ctx.fillText(y.low, f.left - 4, f.top + f.height - 2)
  if (y.mid) ctx.fillText(y.mid, f.left - 4, f.top + f.height / 2)
  ctx.textBaseline = 'top'
  ctx.textAlign = 'left'
  ctx.fillText(x.first, f.left, f.top + f.height + 4)
  ctx.textAlign = 'right'
  ctx.fillText(x.last, f.left + f.width, f.top + f.height + 4)
}

/** A vertical marker at `x` (the scrubbed step). */
export function drawMarker(ctx: CanvasRenderingContext2D, f: Frame, x: number): void {
  ctx.fillStyle = 'rgba(220, 38, 38, 0.85)'
  ctx.fillRect(Math.round(x) - 1, f.top, 2, f.height)
}
