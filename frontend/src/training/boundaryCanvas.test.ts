import { describe, expect, it } from 'vitest'
import {
  binaryColor,
  boundarySurface,
  cellAt,
  classCount,
  coloringFor,
  divergingColor,
  drawBoundary,
  fromPixel,
  hexToRgb,
  hoverText,
  layoutPlane,
  linspace,
  marginsFor,
  overWhite,
  planeColor,
  planePixels,
  pointColor,
  roundForRange,
  toPixel,
  type Plane,
} from './boundaryCanvas'
import { CLASS_COLORS } from './plotly'

const NO_MARGINS = { left: 0, right: 0, top: 0, bottom: 0 }

/** A 2-D context that records the calls the drawing makes and the smoothing at each drawImage. */
function recordingContext() {
  const calls: { name: string; args: unknown[]; smoothing?: boolean }[] = []
  const props: Record<string, unknown> = {}
  const ctx = new Proxy(props, {
    get(target, key: string) {
      if (key in target) return target[key]
      return (...args: unknown[]) => {
        calls.push({ name: key, args, smoothing: key === 'drawImage' ? (target.imageSmoothingEnabled as boolean) : undefined })
      }
    },
    set(target, key: string, value) {
      target[key] = value
      return true
    },
  }) as unknown as CanvasRenderingContext2D
  return { ctx, calls, named: (name: string) => calls.filter((c) => c.name === name) }
}

function plane(overrides: Partial<Plane> = {}): Plane {
  return {
    x_range: [-1, 1],
    y_range: [-1, 1],
    grid: [
      [0, 0, 1],
      [0, 1, 1],
    ],
    probabilities: [
      [0.9, 0.6, 0.7],
      [0.8, 0.55, 1],
    ],
    points: [
      [-0.5, -0.5, 0],
      [0.5, 0.5, 1],
      [0.6, 0.2, 1],
    ],
    ...overrides,
  }
}

describe('colours', () => {
  it('blends two classes from the first colour through light grey to the second by P(class 1)', () => {
    expect(binaryColor(0)).toEqual(hexToRgb(CLASS_COLORS[0]))
    expect(binaryColor(1)).toEqual(hexToRgb(CLASS_COLORS[1]))
    expect(binaryColor(0.5)).toEqual([244, 244, 244])
    // a quarter of the way: between class 0's colour and the grey, not the grey itself
    const q = binaryColor(0.25)
    const c0 = hexToRgb(CLASS_COLORS[0])
    expect(q[2]).toBe(Math.round(c0[2] + (244 - c0[2]) * 0.5))
  })

  it('lays the plane over white at its opacity; the points stay opaque', () => {
    const c1 = hexToRgb(CLASS_COLORS[1])
    expect(planeColor(1, { kind: 'binary' })).toEqual(c1.map((v) => Math.round(255 + (v - 255) * 0.85)))
    const c2 = hexToRgb(CLASS_COLORS[2])
    expect(planeColor(2, { kind: 'classes' })).toEqual(overWhite(c2, 0.5))
    expect(pointColor(2, { kind: 'classes' })).toEqual(c2)
  })

  it('colours regression from blue (lowest) through near white to red (highest) over the grid range', () => {
    const coloring = coloringFor(plane({ grid: [[-2, 0, 6]], probabilities: null }), 'regression', 2)
    expect(coloring).toEqual({ kind: 'regression', low: -2, high: 6 })
    expect(pointColor(-2, coloring)).toEqual(hexToRgb('#2166ac'))
    expect(pointColor(6, coloring)).toEqual(hexToRgb('#b2182b'))
    expect(pointColor(2, coloring)).toEqual(hexToRgb('#f7f7f7'))
    expect(divergingColor(0.75)).toEqual(hexToRgb('#ef8a62'))
    // values past the grid's range take the ends, an empty range the middle
    expect(pointColor(100, coloring)).toEqual(hexToRgb('#b2182b'))
    expect(pointColor(3, { kind: 'regression', low: 3, high: 3 })).toEqual(hexToRgb('#f7f7f7'))
  })

  it('picks the colouring from the task and the classes', () => {
    expect(coloringFor(plane(), 'classification', 2).kind).toBe('binary')
    expect(coloringFor(plane(), 'classification', 3).kind).toBe('classes')
    expect(classCount(plane({ points: [[0, 0, 4]] }), null)).toBe(5)
    expect(classCount(plane(), ['a', 'b', 'c'])).toBe(3)
  })
})

describe('boundarySurface and planePixels', () => {
  it('turns the predicted class and its probability into P(class 1)', () => {
    const s = boundarySurface(plane(), 2)
    expect(s[0][0]).toBeCloseTo(0.1)
    expect(s[0][2]).toBeCloseTo(0.7)
    expect(s[1][1]).toBeCloseTo(0.55)
    const more = plane()
    expect(boundarySurface(more, 3)).toBe(more.grid) // more classes: the class indices themselves
  })

  it('puts the grid row of the lowest y at the bottom of the image, one pixel a cell', () => {
    const grid = [
      [0, 1, 2],
      [2, 2, 2],
    ]
    const { data, cols, rows } = planePixels(grid, { kind: 'classes' })
    expect([cols, rows]).toEqual([3, 2])
    const pixel = (x: number, y: number) => Array.from(data.slice((y * cols + x) * 4, (y * cols + x) * 4 + 4))
    // image row 1 (bottom) is grid row 0
    expect(pixel(0, 1)).toEqual([...planeColor(0, { kind: 'classes' }), 255])
    expect(pixel(1, 1)).toEqual([...planeColor(1, { kind: 'classes' }), 255])
    expect(pixel(0, 0)).toEqual([...planeColor(2, { kind: 'classes' }), 255])
  })

  it('keeps linspace as the grid points', () => {
    expect(linspace(-1, 1, 5)).toEqual([-1, -0.5, 0, 0.5, 1])
    expect(linspace(3, 7, 1)).toEqual([3])
  })
})

describe('layout with equal aspect', () => {
  it('keeps one data unit as long across as up, centred in a wide box', () => {
    const l = layoutPlane(600, 300, [-1, 1], [-1, 1], NO_MARGINS)
    expect(l.width).toBeCloseTo(300)
    expect(l.height).toBeCloseTo(300)
    expect(l.left).toBeCloseTo(150)
    expect(l.top).toBeCloseTo(0)
  })

  it('makes a range twice as wide twice as long on screen', () => {
    const l = layoutPlane(400, 400, [0, 4], [0, 2], NO_MARGINS)
    expect(l.width / (l.x1 - l.x0)).toBeCloseTo(l.height / (l.y1 - l.y0))
    expect(l.width).toBeCloseTo(400)
    expect(l.height).toBeCloseTo(200)
    expect(l.top).toBeCloseTo(100)
  })

  it('leaves the margins for the ticks and the legend', () => {
    const m = marginsFor(false)
    const l = layoutPlane(500, 500, [-6, 6], [-6, 6], m)
    expect(l.left).toBeGreaterThanOrEqual(m.left)
    expect(l.top).toBeGreaterThanOrEqual(m.top)
    expect(l.top + l.height).toBeLessThanOrEqual(500 - m.bottom + 1e-9)
  })

  it('maps data to pixels with y up, and back; nothing outside the plot area', () => {
    const l = layoutPlane(200, 100, [0, 2], [0, 1], { left: 10, right: 10, top: 0, bottom: 0 })
    // room 180×100 → 2 units across at 90 px a unit, 1 unit up: 180×90, 5 px above and below
    expect(toPixel(l, 0, 0)).toEqual([10, 95])
    expect(toPixel(l, 2, 1)).toEqual([190, 5])
    const [x, y] = fromPixel(l, ...toPixel(l, 1.5, 0.25)) ?? [NaN, NaN]
    expect(x).toBeCloseTo(1.5)
    expect(y).toBeCloseTo(0.25)
    expect(fromPixel(l, 5, 50)).toBeNull()
    expect(fromPixel(l, 100, 2)).toBeNull()
  })
})

describe('hover', () => {
  const p = plane({
    x_range: [-1, 1],
    y_range: [0, 1],
    grid: [
      [0, 0, 0, 1, 1],
      [0, 0, 1, 1, 1],
    ],
    probabilities: [
      [0.9, 0.8, 0.6, 0.7, 0.95],
      [0.85, 0.75, 0.51, 0.66, 0.9],
    ],
  })

  it('finds the nearest grid point (x across the columns, y up the rows) and clamps at the edges', () => {
    // xs = -1, -0.5, 0, 0.5, 1; ys = 0, 1
    expect(cellAt(p, 0.26, 0.2)).toEqual({ i: 0, j: 3 })
    expect(cellAt(p, 0.24, 0.8)).toEqual({ i: 1, j: 2 })
    expect(cellAt(p, -5, 9)).toEqual({ i: 1, j: 0 })
    expect(cellAt(plane({ grid: [] }), 0, 0)).toBeNull()
  })

  it('reads P(class 1) for two classes, the class for more, the value for regression', () => {
    expect(hoverText(p, { kind: 'binary' }, ['ring', 'core'], -0.5, 0)?.value).toBe('P(class core) = 0.20')
    expect(hoverText(p, { kind: 'binary' }, null, 0.5, 0)?.value).toBe('P(class 1) = 0.70')
    expect(hoverText(p, { kind: 'classes' }, ['a', 'b'], 0.5, 1)?.value).toBe('class b')
    const r = plane({ grid: [[0.5, 1.23456]], probabilities: null, x_range: [0, 1], y_range: [0, 1] })
    expect(hoverText(r, { kind: 'regression', low: 0.5, high: 1.23456 }, null, 0.9, 0.5)?.value).toBe('prediction 1.235')
    expect(hoverText(p, { kind: 'binary' }, null, 0.5, 0)?.position).toBe('x 0.5, y 0')
  })

  it('rounds a picked point to a thousandth of the range', () => {
    expect(roundForRange(1.23456, 12)).toBe(1.23)
    expect(roundForRange(0.123456, 2)).toBe(0.123)
    expect(roundForRange(-0.00049, 12)).toBe(-0)
  })
})

describe('drawBoundary', () => {
  const image = {} as CanvasImageSource

  it('draws the plane image once, half a cell past the plot area, smoothed for two classes', () => {
    const { ctx, named } = recordingContext()
    const p = plane()
    const l = drawBoundary(ctx, 400, 300, { plane: p, coloring: { kind: 'binary' }, presenter: false, color: '#333' }, image, 3, 2)
    const draws = named('drawImage')
    expect(draws).toHaveLength(1)
    expect(draws[0].smoothing).toBe(true)
    const [, x, y, w, h] = draws[0].args as number[]
    const cellW = l.width / 2
    const cellH = l.height / 1
    expect(x).toBeCloseTo(l.left - cellW / 2)
    expect(y).toBeCloseTo(l.top - cellH / 2)
    expect(w).toBeCloseTo(l.width + cellW)
    expect(h).toBeCloseTo(l.height + cellH)
    expect(l.width).toBeCloseTo(l.height) // square ranges, square plot
  })

  it('draws more classes blocky (no smoothing)', () => {
    const { ctx, named } = recordingContext()
    drawBoundary(ctx, 400, 300, { plane: plane(), coloring: { kind: 'classes' }, presenter: false, color: '#333' }, image, 3, 2)
    expect(named('drawImage')[0].smoothing).toBe(false)
  })

  it('draws one dot per point, one fill per colour, and a ring at the picked point', () => {
    const { ctx, named } = recordingContext()
    const spec = { plane: plane(), coloring: { kind: 'binary' } as const, presenter: false, color: '#333' }
    drawBoundary(ctx, 400, 300, spec, image, 3, 2)
    expect(named('arc')).toHaveLength(3)
    expect(named('fill')).toHaveLength(2) // two classes
    const picked = recordingContext()
    drawBoundary(picked.ctx, 400, 300, { ...spec, picked: [0, 0] }, image, 3, 2)
    expect(picked.named('arc')).toHaveLength(4)
  })

  it('costs the points and the ticks, not the grid: a finer grid adds no drawing calls', () => {
    const coarse = recordingContext()
    drawBoundary(coarse.ctx, 400, 300, { plane: plane(), coloring: { kind: 'binary' }, presenter: false, color: '#333' }, image, 3, 2)
    const fine = recordingContext()
    drawBoundary(fine.ctx, 400, 300, { plane: plane(), coloring: { kind: 'binary' }, presenter: false, color: '#333' }, image, 200, 200)
    expect(fine.calls.length).toBe(coarse.calls.length)
  })

  it('labels ticks on both axes', () => {
    const { ctx, named } = recordingContext()
    drawBoundary(ctx, 400, 400, { plane: plane({ x_range: [-6, 6], y_range: [-6, 6] }), coloring: { kind: 'binary' }, presenter: false, color: '#333' }, image, 3, 2)
    const labels = named('fillText').map((c) => c.args[0])
    // the same ranges across and up: each tick label appears twice, 0 among them, at least three a side
    expect(labels.filter((t) => t === '0')).toHaveLength(2)
    const distinct = new Set(labels)
    expect(distinct.size).toBeGreaterThanOrEqual(3)
    for (const t of distinct) expect(labels.filter((u) => u === t)).toHaveLength(2)
    for (const t of distinct) expect(Math.abs(Number(t))).toBeLessThanOrEqual(6)
  })
})
