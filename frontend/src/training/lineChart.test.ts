import { describe, expect, it } from 'vitest'
import { dataRange, drawLineChart, hoverValues, layoutChart, nearestIndex, niceTicks, tickLabel, type LineChartSpec } from './lineChart'

/** A 2-D context that counts path points (all the chart's drawing goes through these). */
function countingContext() {
  const calls = { lineTo: 0, moveTo: 0, arc: 0, stroke: 0 }
  const noop = () => {}
  const ctx = new Proxy(
    {},
    {
      get(_, key: string) {
        if (key in calls) return () => (calls[key as keyof typeof calls] += 1)
        return noop
      },
      set: () => true,
    },
  ) as unknown as CanvasRenderingContext2D
  return { ctx, calls }
}

function spec(n: number, y: (i: number) => number): LineChartSpec {
  const x = Array.from({ length: n }, (_, i) => i + 1)
  return {
    series: [{ name: 'loss', color: '#000', width: 1, x, y: x.map((_, i) => y(i)), count: n }],
    x: { min: 0, max: n, integer: true },
    y: { min: 0, max: null },
    color: '#333',
  }
}

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(0, 660, 4)).toEqual([0, 200, 400, 600])
    expect(niceTicks(0.5, 3.2, 3, true)).toEqual([1, 2, 3])
  })
  it('gives whole numbers only when asked', () => {
    expect(niceTicks(0, 3, 10, true)).toEqual([0, 1, 2, 3])
  })
})

describe('nearestIndex', () => {
  it('finds the nearest of ascending x values, only among the first count', () => {
    const xs = [1, 2, 4, 8, 16]
    expect(nearestIndex(xs, 5, 5.9)).toBe(2)
    expect(nearestIndex(xs, 5, 6.1)).toBe(3)
    expect(nearestIndex(xs, 5, -3)).toBe(0)
    expect(nearestIndex(xs, 3, 100)).toBe(2)
    expect(nearestIndex(xs, 0, 1)).toBe(-1)
  })
})

describe('drawLineChart', () => {
  it('draws every point of a short series', () => {
    const { ctx, calls } = countingContext()
    drawLineChart(ctx, 400, 200, spec(50, (i) => 1 / (i + 1)))
    // 49 segments of the series (plus grid lines and axes)
    expect(calls.lineTo).toBeGreaterThanOrEqual(49)
  })

  it('costs the width of the chart, not the length of the run', () => {
    const short = countingContext()
    drawLineChart(short.ctx, 400, 200, spec(5_000, (i) => Math.sin(i)))
    const long = countingContext()
    drawLineChart(long.ctx, 400, 200, spec(500_000, (i) => Math.sin(i)))
    expect(long.calls.lineTo).toBeLessThan(4 * 400 + 100)
    expect(Math.abs(long.calls.lineTo - short.calls.lineTo)).toBeLessThan(40)
  })

  it('breaks the line at a non-finite loss', () => {
    const { ctx, calls } = countingContext()
    drawLineChart(ctx, 400, 200, spec(10, (i) => (i === 5 ? Number.NaN : i)))
    // the series starts twice: before and after the NaN (the rest are grid/axis moves)
    const withoutBreak = countingContext()
    drawLineChart(withoutBreak.ctx, 400, 200, spec(10, (i) => i))
    expect(calls.moveTo - withoutBreak.calls.moveTo).toBe(1)
  })
})

describe('layout and read-out', () => {
  it('keeps fixed axis ends and pads free ones around the data', () => {
    const s = spec(10, (i) => 2 + i)
    const l = layoutChart(s, 400, 200)
    expect([l.x0, l.x1, l.y0]).toEqual([0, 10, 0])
    expect(l.y1).toBeGreaterThan(11)
    expect(dataRange(s.series)).toEqual([2, 11])
  })

  it('reads the nearest point of each series, formatted', () => {
    const s = spec(10, (i) => i / 10)
    s.series[0].format = (v) => v.toFixed(3)
    expect(hoverValues(s, 3.2)).toEqual([{ name: 'loss', color: '#000', x: 3, text: '0.200' }])
    expect(tickLabel(50, '%')).toBe('50%')
    expect(tickLabel(12000)).toBe('12,000')
  })
})
