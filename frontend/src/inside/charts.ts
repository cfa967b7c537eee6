/**
 * The node panel's small charts on canvas: distributions over time (TensorBoard's percentile
 * bands), histograms over time (a heatmap of counts by step), log-scale series, and bars.
 * Each takes the history up to the shown step and marks it.
 */

import type { Histogram } from '../api/events'
import { drawAxes, drawMarker, frameOf, sequential, shortNumber, diverging, type Frame } from './draw'
import { BAND_PERCENTILES, percentiles } from './state'

const TEXT = '#475569'

function xScale(f: Frame, first: number, last: number): (step: number) => number {
  const span = last - first || 1
  return (step) => f.left + ((step - first) / span) * f.width
}

/**
 * TensorBoard's distribution chart: for each snapshot the percentiles of its histogram, drawn
 * as nested bands (the outermost min–max, then ±1.5σ, ±1σ, ±0.5σ) around the median line.
 */
export function drawBands(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  steps: readonly number[],
  histograms: readonly (Histogram | null)[],
  marker: number | null,
): void {
  const f = frameOf(width, height)
  const rows: { step: number; p: number[] }[] = []
  for (let i = 0; i < steps.length; i += 1) {
    const h = histograms[i]
    const p = h ? percentiles(h) : null
    if (p) rows.push({ step: steps[i], p })
  }
  if (rows.length === 0) return
  let lo = Infinity
  let hi = -Infinity
  for (const r of rows) {
    lo = Math.min(lo, r.p[0])
    hi = Math.max(hi, r.p[r.p.length - 1])
  }
  if (hi - lo < 1e-12) {
    hi += 0.5
    lo -= 0.5
  }
  const x = xScale(f, rows[0].step, rows[rows.length - 1].step)
  const y = (v: number) => f.top + f.height - ((v - lo) / (hi - lo)) * f.height
  const n = BAND_PERCENTILES.length
  const alphas = [0.15, 0.25, 0.35, 0.5]
  for (let b = 0; b < Math.floor(n / 2); b += 1) {
    ctx.beginPath()
    rows.forEach((r, i) => (i === 0 ? ctx.moveTo(x(r.step), y(r.p[b])) : ctx.lineTo(x(r.step), y(r.p[b]))))
    for (let i = rows.length - 1; i >= 0; i -= 1) ctx.lineTo(x(rows[i].step), y(rows[i].p[n - 1 - b]))
    ctx.closePath()
    ctx.fillStyle = `rgba(37, 99, 235, ${alphas[b]})`
    ctx.fill()
  }
  ctx.beginPath()
  rows.forEach((r, i) => (i === 0 ? ctx.moveTo(x(r.step), y(r.p[4])) : ctx.lineTo(x(r.step), y(r.p[4]))))
  ctx.strokeStyle = '#1e3a8a'
  ctx.lineWidth = 1.5
  ctx.stroke()
  if (rows.length === 1) {
    // One snapshot: the bands are a vertical bar at its step.
    ctx.fillStyle = 'rgba(37, 99, 235, 0.5)'
    ctx.fillRect(f.left + f.width / 2 - 3, y(rows[0].p[n - 1]), 6, Math.max(1, y(rows[0].p[0]) - y(rows[0].p[n - 1])))
  }
  drawAxes(
    ctx,
    f,
    { low: shortNumber(lo), high: shortNumber(hi) },
    { first: `step ${rows[0].step}`, last: `${rows[rows.length - 1].step}` },
    TEXT,
  )
  if (marker !== null) drawMarker(ctx, f, x(marker))
}

/**
 * Histograms over time: one column per snapshot (spanning until the next one), rows are the
 * value bins, darker where more values fell (each column scaled to its own largest bin).
 */
export function drawHistogramHeatmap(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  steps: readonly number[],
  histograms: readonly (Histogram | null)[],
  marker: number | null,
): void {
  const f = frameOf(width, height)
  let lo = Infinity
  let hi = -Infinity
  const cols: { step: number; h: Histogram }[] = []
  for (let i = 0; i < steps.length; i += 1) {
    const h = histograms[i]
    if (!h || h.counts.length === 0) continue
    cols.push({ step: steps[i], h })
    lo = Math.min(lo, h.edges[0])
    hi = Math.max(hi, h.edges[h.edges.length - 1])
  }
  if (cols.length === 0) return
  if (hi - lo < 1e-12) {
    hi += 0.5
    lo -= 0.5
  }
  const first = cols[0].step
  const last = cols[cols.length - 1].step
  // Each column spans until the next snapshot; the last one as wide as the average gap.
  const gap = cols.length > 1 ? (last - first) / (cols.length - 1) : 1
  const x = xScale(f, first, last + gap)
  const y = (v: number) => f.top + f.height - ((v - lo) / (hi - lo)) * f.height
  const colWidth = cols.length === 1 ? f.width : Math.max(1, f.width / cols.length)
  ctx.save()
  ctx.beginPath()
  ctx.rect(f.left, f.top, f.width, f.height)
  ctx.clip()
  for (let c = 0; c < cols.length; c += 1) {
    const { step, h } = cols[c]
    const x0 = cols.length === 1 ? f.left : x(step)
    const x1 = c + 1 < cols.length ? x(cols[c + 1].step) : x0 + colWidth
    const max = Math.max(...h.counts, 1)
    for (let i = 0; i < h.counts.length; i += 1) {
      if (h.counts[i] <= 0) continue
      const [r, g, b] = sequential(Math.sqrt(h.counts[i] / max))
      ctx.fillStyle = `rgb(${r},${g},${b})`
      const top = y(h.edges[i + 1])
      ctx.fillRect(x0, top, Math.max(1, x1 - x0 + 0.5), Math.max(1, y(h.edges[i]) - top + 0.5))
    }
  }
  ctx.restore()
  if (lo < 0 && hi > 0) {
    ctx.fillStyle = 'rgba(100, 116, 139, 0.5)'
    ctx.fillRect(f.left, Math.round(y(0)), f.width, 1)
  }
  drawAxes(ctx, f, { low: shortNumber(lo), high: shortNumber(hi) }, { first: `step ${first}`, last: `${last}` }, TEXT)
  if (marker !== null) drawMarker(ctx, f, cols.length === 1 ? f.left + f.width / 2 : x(marker))
}

export interface LogSeries {
  values: readonly (number | null)[]
  color: string
}

/**
 * Series on a log y axis (decades labelled), against steps; non-positive values are gaps. A
 * dashed reference line at `reference` when given.
 */
export function drawLogSeries(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  steps: readonly number[],
  series: readonly LogSeries[],
  marker: number | null,
  reference: number | null = null,
): void {
  const f = frameOf(width, height)
  let lo = Infinity
  let hi = -Infinity
  for (const s of series) {
    for (const v of s.values) {
      if (v === null || !(v > 0)) continue
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
  }
  if (reference !== null) {
    lo = Math.min(lo, reference)
    hi = Math.max(hi, reference)
  }
  if (!Number.isFinite(lo) || steps.length === 0) return
  const lg0 = Math.floor(Math.log10(lo))
  let lg1 = Math.ceil(Math.log10(hi))
  if (lg1 === lg0) lg1 += 1
  const first = steps[0]
  const last = steps[steps.length - 1]
  const x = xScale(f, first, last === first ? first + 1 : last)
  const y = (v: number) => f.top + f.height - ((Math.log10(v) - lg0) / (lg1 - lg0)) * f.height
  ctx.strokeStyle = 'rgba(100, 116, 139, 0.15)'
  ctx.lineWidth = 1
  for (let d = lg0 + 1; d < lg1; d += 1) {
    ctx.beginPath()
    ctx.moveTo(f.left, Math.round(y(10 ** d)) + 0.5)
    ctx.lineTo(f.left + f.width, Math.round(y(10 ** d)) + 0.5)
    ctx.stroke()
  }
  if (reference !== null) {
    ctx.setLineDash([4, 3])
    ctx.strokeStyle = 'rgba(22, 163, 74, 0.9)'
    ctx.beginPath()
    ctx.moveTo(f.left, y(reference))
    ctx.lineTo(f.left + f.width, y(reference))
    ctx.stroke()
    ctx.setLineDash([])
  }
  for (const s of series) {
    ctx.strokeStyle = s.color
    ctx.fillStyle = s.color
    ctx.lineWidth = 1.5
    ctx.beginPath()
    let open = false
    let points = 0
    for (let i = 0; i < steps.length; i += 1) {
      const v = s.values[i]
      if (v === null || v === undefined || !(v > 0)) {
        open = false
        continue
      }
      if (open) ctx.lineTo(x(steps[i]), y(v))
      else ctx.moveTo(x(steps[i]), y(v))
      open = true
      points += 1
    }
    ctx.stroke()
    if (points === 1) {
      const i = s.values.findIndex((v) => v !== null && v > 0)
      ctx.beginPath()
      ctx.arc(x(steps[i]), y(s.values[i] as number), 2.5, 0, Math.PI * 2)
      ctx.fill()
    }
  }
  drawAxes(
    ctx,
    f,
    { low: `1e${lg0}`, high: `1e${lg1}` },
    { first: `step ${first}`, last: `${last}` },
    TEXT,
  )
  if (marker !== null) drawMarker(ctx, f, x(marker))
}

/** A vector as bars around zero: blue up for positive, orange down for negative. */
export function drawBars(ctx: CanvasRenderingContext2D, width: number, height: number, values: readonly number[]): void {
  const f = frameOf(width, height)
  if (values.length === 0) return
  let bound = 0
  for (const v of values) bound = Math.max(bound, Math.abs(v))
  bound = bound || 1
  const lo = Math.min(0, ...values)
  const signed = lo < 0
  const zero = signed ? f.top + f.height / 2 : f.top + f.height
  const scale = signed ? f.height / 2 / bound : f.height / bound
  const bar = f.width / values.length
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]
    const [r, g, b] = diverging(v >= 0 ? 0.85 : -0.85)
    ctx.fillStyle = `rgb(${r},${g},${b})`
    const h = Math.abs(v) * scale
    ctx.fillRect(f.left + i * bar, v >= 0 ? zero - h : zero, Math.max(1, bar - (bar > 3 ? 1 : 0)), Math.max(v === 0 ? 0 : 1, h))
  }
  drawAxes(
    ctx,
    f,
    { low: signed ? shortNumber(-bound) : '0', high: shortNumber(bound), mid: signed ? '0' : undefined },
    { first: 'unit 0', last: `${values.length - 1}` },
    TEXT,
  )
}
