import { describe, expect, it, vi } from 'vitest'
import { addPage, filterLine, galleryFilter, hasMore } from './galleryState'
import { canvasToInput, drawableSide } from './drawing'
import { newestWins } from './requests'

function alphaPicture(w: number, h: number, ink: (x: number, y: number) => number): number[] {
  const rgba = new Array<number>(w * h * 4).fill(0)
  for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) rgba[(y * w + x) * 4 + 3] = ink(x, y)
  return rgba
}

describe('drawing → input', () => {
  it('downsamples 16×16 to 8×8 by block means, alpha 255 = 1', () => {
    const rgba = alphaPicture(16, 16, (x, y) => (x < 2 && y < 2 ? 255 : x === 2 && y === 0 ? 255 : 0))
    const input = canvasToInput(rgba, 16, 16, 8)
    expect(input).toHaveLength(64)
    expect(input[0]).toBe(1)
    expect(input[1]).toBe(0.25)
    expect(input[8]).toBe(0)
  })
  it('reads the drawable side of the data sets', () => {
    expect(drawableSide([1, 8, 8])).toBe(8)
    expect(drawableSide([1, 28, 28])).toBe(28)
    expect(drawableSide([3, 32, 32])).toBeNull()
    expect(drawableSide([2])).toBeNull()
  })
})

describe('newest wins', () => {
  it('sends at most one request per interval, the newest waiting input, and ignores stale answers', async () => {
    let t = 0
    const timers: (() => void)[] = []
    const resolvers: ((v: number) => void)[] = []
    const sent: number[] = []
    const results: number[] = []
    const n = newestWins<number, number>({
      send: (input) => {
        sent.push(input)
        return new Promise((r) => resolvers.push(r))
      },
      onResult: (r) => results.push(r),
      onError: vi.fn(),
      intervalMs: 250,
      now: () => t,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => {},
    })
    n.submit(1)
    n.submit(2)
    n.submit(3)
    expect(sent).toEqual([1])
    t = 250
    timers.shift()?.()
    expect(sent).toEqual([1, 3])
    resolvers[1](30)
    resolvers[0](10)
    await Promise.resolve()
    await Promise.resolve()
    expect(results).toEqual([30])
  })
})

describe('gallery state', () => {
  const item = (index: number, label: number, predicted: number) => ({ index, label, predicted, confidence: 0.5, input: { shape: [1], low: 0, high: 1, data: 'AA==' } })
  it('filters to a clicked cell of this run only and says so', () => {
    const f = galleryFilter('r1', { runId: 'r1', split: 'test', true: 3, predicted: 8 })
    expect(f).toEqual({ split: 'test', trueClass: 3, predicted: 8 })
    expect(filterLine(f, null)).toBe('Showing true 3 predicted as 8')
    expect(galleryFilter('r2', { runId: 'r1', split: 'test', true: 3, predicted: 8 }).trueClass).toBeNull()
  })
  it('appends later pages without repeats and replaces on a new filter', () => {
    const f = galleryFilter('r', null)
    const page = (offset: number, items: ReturnType<typeof item>[]) => ({ split: 'test' as const, total: 3, misclassified: 1, offset, labels: ['a', 'b'], epoch: 1, items })
    let p = addPage(null, f, page(0, [item(5, 0, 1), item(2, 1, 1)]))
    expect(hasMore(p)).toBe(true)
    p = addPage(p, f, page(2, [item(2, 1, 1), item(7, 0, 0)]))
    expect(p.items.map((i) => i.index)).toEqual([5, 2, 7])
    expect(hasMore(p)).toBe(false)
    const g = { split: 'test' as const, trueClass: 0, predicted: 1 }
    expect(addPage(p, g, page(2, [item(5, 0, 1)])).items).toHaveLength(1)
  })
})
