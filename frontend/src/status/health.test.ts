import { describe, expect, it } from 'vitest'
import type { Health } from '../api/types'
import { HEALTH_POLL_MS, pollHealth, problemOf } from './health'

const ok: Health = { status: 'ok', version: '0.1.0', device: 'cpu', reason: null, hint: null, pending_events: 0 }
const degraded: Health = {
  ...ok,
  status: 'degraded',
  reason: 'Storage has been refusing writes for 20 s (OperationalError: database is locked)',
  hint: 'Free the disk.',
  pending_events: 12,
}

function fakeTimers() {
  const queue: { callback: () => void; ms: number }[] = []
  return {
    queue,
    setTimeout: (callback: () => void, ms: number) => queue.push({ callback, ms }),
    clearTimeout: () => undefined,
    async runNext() {
      const next = queue.shift()
      next?.callback()
      await Promise.resolve()
      await Promise.resolve()
    },
  }
}

describe('health', () => {
  it('describes a degraded server and nothing for a healthy one', () => {
    expect(problemOf(ok)).toBeNull()
    expect(problemOf(degraded)).toEqual({ reason: degraded.reason, hint: 'Free the disk.' })
  })

  it('reports only changes, and polls faster while degraded or unreachable', async () => {
    const answers: (Health | Error)[] = [ok, degraded, degraded, new Error('down'), ok]
    const seen: (string | null)[] = []
    const timers = fakeTimers()
    const stop = pollHealth({
      onProblem: (problem) => seen.push(problem?.reason ?? null),
      fetchHealth: async () => {
        const next = answers.shift() ?? ok
        if (next instanceof Error) throw next
        return next
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    })
    await Promise.resolve()
    await Promise.resolve()
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      delays.push(timers.queue[0].ms)
      await timers.runNext()
    }
    stop()
    expect(seen).toEqual([null, degraded.reason, null])
    expect(delays).toEqual([HEALTH_POLL_MS.ok, HEALTH_POLL_MS.degraded, HEALTH_POLL_MS.degraded, HEALTH_POLL_MS.degraded])
  })
})
