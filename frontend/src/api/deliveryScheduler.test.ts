import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deliveryScheduler } from './reconnect'

describe('deliveryScheduler', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('delivers in the next frame, then at most once per interval', () => {
    const schedule = deliveryScheduler(100, () => Date.now())
    const at: number[] = []
    const start = Date.now()
    schedule(() => at.push(Date.now() - start))
    vi.advanceTimersByTime(20)
    expect(at.length).toBe(1)
    expect(at[0]).toBeLessThan(20) // the first one waits for a frame only
    schedule(() => at.push(Date.now() - start))
    vi.advanceTimersByTime(60)
    expect(at.length).toBe(1) // too soon after the first
    vi.advanceTimersByTime(100)
    expect(at.length).toBe(2)
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(100)
  })

  it('can be cancelled while it waits, and each stream keeps its own pace', () => {
    const a = deliveryScheduler(100, () => Date.now())
    const b = deliveryScheduler(100, () => Date.now())
    const got: string[] = []
    a(() => got.push('a1'))
    vi.advanceTimersByTime(20)
    const cancel = a(() => got.push('a2'))
    b(() => got.push('b1'))
    vi.advanceTimersByTime(20)
    expect(got).toEqual(['a1', 'b1'])
    cancel()
    vi.advanceTimersByTime(500)
    expect(got).toEqual(['a1', 'b1'])
  })
})
