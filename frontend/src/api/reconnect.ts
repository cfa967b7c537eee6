/**
 * A run's event stream over a websocket that survives dropped connections.
 *
 * Plain TypeScript (no React), so it is tested with fake sockets and timers. The contract:
 * - connect to `url(after)` where `after` is the last `seq` accepted so far (0 at first);
 * - deliver each event exactly once and in order: anything with `seq <= lastSeq` is dropped
 *   (a replay overlapping what we already have, a duplicate, an out-of-order message), but a
 *   final status is always delivered once, whatever its `seq` (a client resuming past the end);
 * - batch deliveries: events that arrive together are handed over in an animation frame, at most
 *   every `DELIVERY_INTERVAL_MS` (each delivery re-renders the dashboard, and every frame the page
 *   paints takes CPU from the run it shows on the same machine);
 * - after an unexpected close, reconnect by itself with exponential backoff (plus jitter) and
 *   resume from the last `seq`: no gap, no duplicate;
 * - stop for good after the run's final `status` event, after close code 4404 (unknown run),
 *   or when disposed.
 */

import { isTerminal, parseEvent, type TrainingEvent } from './events'

export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number
  /** Upper bound of any delay. */
  maxMs: number
  /** Growth per failed attempt. */
  factor: number
  /** Fraction of the delay that is randomised (0 = none, 0.5 = ±25 %). */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 8000, factor: 2, jitter: 0.3 }

/**
 * The delay before retry number `attempt` (0-based): `initialMs * factor^attempt`, capped at
 * `maxMs`, then spread by `jitter` so that many clients do not reconnect in lockstep.
 *
 * @example backoffDelay(3, { initialMs: 250, maxMs: 8000, factor: 2, jitter: 0 }) // 2000
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt))
  const spread = base * options.jitter
  const delay = base - spread / 2 + spread * random()
  return Math.max(0, Math.min(options.maxMs, Math.round(delay)))
}

/** A handler type checked bivariantly, so the browser's `WebSocket` (Event subtypes) fits. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack']

/** The part of the browser `WebSocket` this module uses (so tests can pass a fake). */
export interface SocketLike {
  onopen: Handler<unknown> | null
  onmessage: Handler<{ data: unknown }> | null
  onclose: Handler<{ code: number; reason?: string }> | null
  onerror: Handler<unknown> | null
  close(code?: number, reason?: string): void
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ConnectionInfo {
  /** Failed attempts in a row (0 while the connection is healthy). */
  attempt: number
  /** When reconnecting: milliseconds until the next try. */
  retryInMs?: number
  /** When closed for good because the run is unknown. */
  error?: string
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

/** Runs `callback` soon (once per animation frame in a browser); returns a cancel function. */
export type FrameScheduler = (callback: () => void) => () => void

export interface ResumableEventStreamOptions {
  /** The websocket URL that replays events after `after` and then streams new ones. */
  url: (after: number) => string
  createSocket: (url: string) => SocketLike
  /** Receives accepted events, in `seq` order, batched. */
  onEvents: (events: TrainingEvent[]) => void
  onState?: (state: ConnectionState, info: ConnectionInfo) => void
  /** Resume after this `seq` (events already held by the caller). */
  after?: number
  backoff?: Partial<BackoffOptions>
  /** A connection counts as healthy once it delivered an event or stayed open this long. */
  stableMs?: number
  timers?: Timers
  schedule?: FrameScheduler
  random?: () => number
}

/** Close code the server uses for an unknown run. */
export const CLOSE_UNKNOWN_RUN = 4404

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}

/** One flush per animation frame where there are frames; a short timer elsewhere (tests, hidden tabs). */
export const animationFrameScheduler: FrameScheduler = (callback) => {
  if (typeof globalThis.requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    const id = globalThis.requestAnimationFrame(() => callback())
    return () => globalThis.cancelAnimationFrame(id)
  }
  const id = globalThis.setTimeout(callback, 16)
  return () => globalThis.clearTimeout(id)
}

/**
 * Least time between two deliveries of a stream, ms: 10 a second. What the page shows stays
 * within about this much of what arrived (the views' own budget is 0.5 s), and a fast run
 * streaming 50 batches a second costs the page 10 renders, not 50.
 */
export const DELIVERY_INTERVAL_MS = 100

/**
 * A scheduler of its own (one per stream): each flush in an animation frame, at least
 * `minIntervalMs` after the previous one began.
 */
export function deliveryScheduler(minIntervalMs: number = DELIVERY_INTERVAL_MS, now: () => number = () => performance.now()): FrameScheduler {
  let last = -Infinity
  return (callback) => {
    let cancelFrame: (() => void) | null = null
    const inFrame = () => {
      cancelFrame = animationFrameScheduler(() => {
        last = now()
        callback()
      })
    }
    const wait = last + minIntervalMs - now()
    if (wait <= 0) {
      inFrame()
      return () => cancelFrame?.()
    }
    const timer = globalThis.setTimeout(inFrame, wait)
    return () => {
      globalThis.clearTimeout(timer)
      cancelFrame?.()
    }
  }
}

export class ResumableEventStream {
  private readonly options: ResumableEventStreamOptions
  private readonly backoff: BackoffOptions
  private readonly timers: Timers
  private readonly schedule: FrameScheduler
  private socket: SocketLike | null = null
  private retryTimer: unknown = null
  private cancelFlush: (() => void) | null = null
  private buffer: TrainingEvent[] = []
  private attempt = 0
  private openedAt: number | null = null
  private receivedSinceOpen = false
  private finished = false
  private disposed = false
  private state: ConnectionState = 'closed'
  /** Highest `seq` accepted so far; reconnects resume after it. */
  lastSeq: number
  /** How many connections were opened (1 + reconnects). */
  connections = 0

  constructor(options: ResumableEventStreamOptions) {
    this.options = options
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.timers = options.timers ?? browserTimers
    this.schedule = options.schedule ?? deliveryScheduler()
    this.lastSeq = options.after ?? 0
  }

  get connectionState(): ConnectionState {
    return this.state
  }

  /** True once the run's final status arrived (nothing more will come). */
  get isFinished(): boolean {
    return this.finished
  }

  start(): void {
    if (this.disposed || this.socket) return
    this.connect()
  }

  /** Close the socket and stop reconnecting; pending events are dropped. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.cancelFlush?.()
    this.cancelFlush = null
    this.buffer = []
    this.detachAndClose(1000, 'client closed')
    this.setState('closed')
  }

  private connect(): void {
    this.retryTimer = null
    this.setState(this.attempt === 0 && this.connections === 0 ? 'connecting' : 'reconnecting')
    let socket: SocketLike
    try {
      socket = this.options.createSocket(this.options.url(this.lastSeq))
    } catch {
      this.scheduleReconnect()
      return
    }
    this.connections += 1
    this.socket = socket
    this.openedAt = null
    this.receivedSinceOpen = false
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.openedAt = this.timers.now()
      this.setState('open')
    }
    socket.onmessage = (message) => {
      if (this.socket !== socket) return
      this.receive(message.data)
    }
    socket.onerror = () => {
      // A close event always follows; the reconnect decision is taken there.
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.socket = null
      this.handleClose(event.code)
    }
  }

  /** One message: an event, or (replay with `batch=true`) a JSON array of events. */
  private receive(data: unknown): void {
    let value: unknown = data
    if (typeof data === 'string') {
      try {
        value = JSON.parse(data)
      } catch {
        return
      }
    }
    if (Array.isArray(value)) for (const item of value) this.receiveOne(item)
    else this.receiveOne(value)
  }

  private receiveOne(data: unknown): void {
    const event = parseEvent(data)
    if (!event) return
    this.receivedSinceOpen = true
    if (event.seq <= this.lastSeq) {
      // Already delivered (replay overlap, duplicate, out of order) — except that a final status
      // always ends the stream: the server sends it again to a client that resumes at or past it.
      if (event.type === 'status' && isTerminal(event.status) && !this.finished) {
        this.finished = true
        this.buffer.push(event)
        if (!this.cancelFlush) this.cancelFlush = this.schedule(() => this.flush())
      }
      return
    }
    this.lastSeq = event.seq
    this.buffer.push(event)
    if (event.type === 'status' && isTerminal(event.status)) this.finished = true
    if (!this.cancelFlush) this.cancelFlush = this.schedule(() => this.flush())
  }

  /** Hand buffered events over now (also used before a state change, so order is kept). */
  flush(): void {
    this.cancelFlush?.()
    this.cancelFlush = null
    if (this.buffer.length === 0 || this.disposed) return
    const events = this.buffer
    this.buffer = []
    this.options.onEvents(events)
  }

  private handleClose(code: number): void {
    if (this.disposed) return
    const wasHealthy =
      this.receivedSinceOpen ||
      (this.openedAt !== null && this.timers.now() - this.openedAt >= (this.options.stableMs ?? 2000))
    if (wasHealthy) this.attempt = 0
    if (this.finished) {
      this.flush()
      this.setState('closed')
      return
    }
    if (code === CLOSE_UNKNOWN_RUN) {
      this.flush()
      this.setState('closed', 'This run does not exist (any more).')
      return
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.backoff, this.options.random)
    this.attempt += 1
    this.setState('reconnecting', undefined, delay)
    this.retryTimer = this.timers.setTimeout(() => this.connect(), delay)
  }

  private detachAndClose(code: number, reason: string): void {
    const socket = this.socket
    this.socket = null
    if (!socket) return
    socket.onopen = null
    socket.onmessage = null
    socket.onerror = null
    socket.onclose = null
    try {
      socket.close(code, reason)
    } catch {
      // already closed
    }
  }

  private setState(state: ConnectionState, error?: string, retryInMs?: number): void {
    const changed = state !== this.state || retryInMs !== undefined
    this.state = state
    if (changed) this.options.onState?.(state, { attempt: this.attempt, retryInMs, error })
  }
}
