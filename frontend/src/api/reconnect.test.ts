import { describe, expect, it } from 'vitest'
import type { TrainingEvent } from './events'
import { backoffDelay, CLOSE_UNKNOWN_RUN, type ConnectionState, ResumableEventStream, type SocketLike, type Timers } from './reconnect'

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closedWith: number | null = null
  readonly url: string
  constructor(url: string) {
    this.url = url
  }
  open() {
    this.onopen?.({})
  }
  send(event: object) {
    this.onmessage?.({ data: JSON.stringify(event) })
  }
  drop(code = 1006) {
    this.onclose?.({ code })
  }
  close(code = 1000) {
    this.closedWith = code
  }
}

class FakeTimers implements Timers {
  time = 0
  private queue: { at: number; callback: () => void; id: number }[] = []
  private nextId = 1
  setTimeout(callback: () => void, ms: number) {
    const id = this.nextId++
    this.queue.push({ at: this.time + ms, callback, id })
    return id
  }
  clearTimeout(handle: unknown) {
    this.queue = this.queue.filter((t) => t.id !== handle)
  }
  now() {
    return this.time
  }
  advance(ms: number) {
    const until = this.time + ms
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at)
      const next = this.queue[0]
      if (!next || next.at > until) break
      this.queue.shift()
      this.time = next.at
      next.callback()
    }
    this.time = until
  }
  get pending() {
    return this.queue.length
  }
}

const step = (seq: number) => ({ seq, run_id: 'r', time: seq, type: 'step', epoch: 1, step: seq, loss: 1 / seq, learning_rate: 0.1, samples_per_s: 10 })
const status = (seq: number, value: string) => ({ seq, run_id: 'r', time: seq, type: 'status', status: value })

function setup(after = 0) {
  const sockets: FakeSocket[] = []
  const delivered: TrainingEvent[] = []
  const batches: number[] = []
  const states: ConnectionState[] = []
  const timers = new FakeTimers()
  let flushes: (() => void)[] = []
  const stream = new ResumableEventStream({
    url: (n) => `ws://test/api/runs/r/events?after=${n}`,
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    onEvents: (events) => {
      batches.push(events.length)
      delivered.push(...events)
    },
    onState: (state) => states.push(state),
    after,
    timers,
    random: () => 0.5,
    schedule: (callback) => {
      flushes.push(callback)
      return () => {
        flushes = flushes.filter((f) => f !== callback)
      }
    },
  })
  const frame = () => {
    const pending = flushes
    flushes = []
    for (const f of pending) f()
  }
  return { stream, sockets, delivered, batches, states, timers, frame }
}

describe('backoffDelay', () => {
  const noJitter = { initialMs: 250, maxMs: 8000, factor: 2, jitter: 0 }
  it('doubles from the initial delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, noJitter))).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000, 8000])
  })
  it('spreads by the jitter fraction and never exceeds the cap', () => {
    const options = { ...noJitter, jitter: 0.5 }
    expect(backoffDelay(2, options, () => 0)).toBe(750)
    expect(backoffDelay(2, options, () => 1)).toBe(1250)
    expect(backoffDelay(9, options, () => 1)).toBe(8000)
  })
})

describe('ResumableEventStream', () => {
  it('connects after the given seq and batches events per frame', () => {
    const t = setup(4)
    t.stream.start()
    expect(t.sockets[0].url).toBe('ws://test/api/runs/r/events?after=4')
    t.sockets[0].open()
    t.sockets[0].send(step(5))
    t.sockets[0].send(step(6))
    expect(t.delivered).toHaveLength(0)
    t.frame()
    expect(t.batches).toEqual([2])
    expect(t.delivered.map((e) => e.seq)).toEqual([5, 6])
  })

  it('drops duplicates, stale and out-of-order messages and malformed ones', () => {
    const t = setup()
    t.stream.start()
    const s = t.sockets[0]
    s.open()
    for (const seq of [1, 2, 2, 1, 4, 3, 5]) s.send(step(seq))
    s.onmessage?.({ data: '{"garbage":' })
    t.frame()
    expect(t.delivered.map((e) => e.seq)).toEqual([1, 2, 4, 5])
    expect(t.stream.lastSeq).toBe(5)
  })

  it('accepts a replayed history sent as one JSON array (batch=true), then single live events', () => {
    const t = setup()
    t.stream.start()
    const s = t.sockets[0]
    s.open()
    s.onmessage?.({ data: JSON.stringify([step(1), step(2), { seq: 3 }, step(2), step(4)]) })
    s.send(step(4))
    s.send(step(5))
    t.frame()
    expect(t.delivered.map((e) => e.seq)).toEqual([1, 2, 4, 5])
  })

  it('reconnects after a drop with after = last seq: no gap, no duplicate', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].open()
    for (let seq = 1; seq <= 3; seq += 1) t.sockets[0].send(step(seq))
    t.sockets[0].drop(1006)
    expect(t.states.at(-1)).toBe('reconnecting')
    t.timers.advance(249)
    expect(t.sockets).toHaveLength(1)
    t.timers.advance(1)
    expect(t.sockets).toHaveLength(2)
    expect(t.sockets[1].url).toBe('ws://test/api/runs/r/events?after=3')
    // The server replays from after=3; a sloppy replay overlapping 2..3 is ignored too.
    t.sockets[1].open()
    for (const seq of [2, 3, 4, 5]) t.sockets[1].send(step(seq))
    t.frame()
    expect(t.delivered.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(t.stream.connections).toBe(2)
  })

  it('backs off exponentially while the server stays away, then resets once healthy', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].open()
    t.sockets[0].send(step(1))
    t.sockets[0].drop()
    const waits: number[] = []
    for (let i = 0; i < 4; i += 1) {
      const before = t.sockets.length
      let waited = 0
      while (t.sockets.length === before) {
        t.timers.advance(50)
        waited += 50
      }
      waits.push(waited)
      t.sockets.at(-1)?.drop() // refused before opening
    }
    expect(waits).toEqual([250, 500, 1000, 2000])
    t.timers.advance(4000)
    const healthy = t.sockets.at(-1)!
    healthy.open()
    healthy.send(step(2))
    healthy.drop()
    // Healthy connection: the next retry starts at the initial delay again.
    t.timers.advance(250)
    expect(t.sockets.at(-1)).not.toBe(healthy)
    expect(t.sockets.at(-1)!.url).toContain('after=2')
  })

  it('stops after the final status and does not reconnect', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].open()
    t.sockets[0].send(step(1))
    t.sockets[0].send(status(2, 'completed'))
    t.sockets[0].drop(1000)
    expect(t.delivered.map((e) => e.seq)).toEqual([1, 2]) // flushed on close
    expect(t.stream.isFinished).toBe(true)
    expect(t.states.at(-1)).toBe('closed')
    t.timers.advance(60_000)
    expect(t.sockets).toHaveLength(1)
  })

  it('ends on a final status numbered at or before what it holds (resuming past the end), once', () => {
    const t = setup(32)
    t.stream.start()
    t.sockets[0].open()
    t.sockets[0].send(step(20)) // stale: dropped
    t.sockets[0].send(status(21, 'interrupted')) // the run's end, numbered before what we hold
    t.sockets[0].send(status(21, 'interrupted')) // a duplicate of it: dropped
    t.sockets[0].drop(1000)
    expect(t.delivered.map((e) => [e.seq, e.type])).toEqual([[21, 'status']])
    expect(t.stream.isFinished).toBe(true)
    expect(t.stream.lastSeq).toBe(32)
    expect(t.states.at(-1)).toBe('closed')
    t.timers.advance(60_000)
    expect(t.sockets).toHaveLength(1) // no endless reconnecting
  })

  it('reconnects when the server closes normally before the final status', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].open()
    t.sockets[0].send(status(1, 'running'))
    t.sockets[0].drop(1012) // server restart
    t.timers.advance(250)
    expect(t.sockets).toHaveLength(2)
  })

  it('gives up on an unknown run', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].drop(CLOSE_UNKNOWN_RUN)
    expect(t.states.at(-1)).toBe('closed')
    t.timers.advance(60_000)
    expect(t.sockets).toHaveLength(1)
  })

  it('dispose closes the socket, cancels the retry and drops pending events', () => {
    const t = setup()
    t.stream.start()
    t.sockets[0].open()
    t.sockets[0].send(step(1))
    t.stream.dispose()
    expect(t.sockets[0].closedWith).toBe(1000)
    t.frame()
    expect(t.delivered).toHaveLength(0)
    const u = setup()
    u.stream.start()
    u.sockets[0].drop()
    u.stream.dispose()
    u.timers.advance(60_000)
    expect(u.sockets).toHaveLength(1)
    expect(u.timers.pending).toBe(0)
  })

  it('ignores a stale socket that closes after being replaced', () => {
    const t = setup()
    t.stream.start()
    const first = t.sockets[0]
    first.open()
    first.drop()
    t.timers.advance(250)
    const onclose = first.onclose
    expect(t.sockets).toHaveLength(2)
    onclose?.({ code: 1006 }) // late duplicate close of the old socket
    t.timers.advance(10_000)
    expect(t.sockets).toHaveLength(2)
  })
})
