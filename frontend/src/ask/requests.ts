/**
 * Asking the model as the user draws: at most a few requests a second (the newest input goes
 * when the interval allows), and only the newest answer is shown — an older request still in
 * flight is aborted, and its answer, if it comes anyway, is ignored.
 */

export interface NewestWinsOptions<I, R> {
  /** The request; `signal` aborts it when a newer one supersedes it. */
  send: (input: I, signal: AbortSignal) => Promise<R>
  onResult: (result: R, input: I) => void
  onError: (error: unknown, input: I) => void
  /** Least time between two requests, ms (250: at most 4 a second). */
  intervalMs?: number
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export interface NewestWins<I> {
  /** A new input: sent now if the interval allows, else when it does (replacing any input still waiting). */
  submit(input: I): void
  /** Forget what is waiting and ignore what is in flight. */
  cancel(): void
}

export function newestWins<I, R>(o: NewestWinsOptions<I, R>): NewestWins<I> {
  const interval = o.intervalMs ?? 250
  const now = o.now ?? (() => Date.now())
  const setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
  const clearTimer = o.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
  let lastSent = -Infinity
  let latestId = 0
  let controller: AbortController | null = null
  let waiting: { input: I } | null = null
  let timer: unknown = null

  const fire = (input: I) => {
    lastSent = now()
    latestId += 1
    const id = latestId
    controller?.abort()
    const c = new AbortController()
    controller = c
    o.send(input, c.signal).then(
      (result) => {
        if (id === latestId) o.onResult(result, input)
      },
      (error: unknown) => {
        if (id === latestId && !c.signal.aborted) o.onError(error, input)
      },
    )
  }

  return {
    submit(input) {
      const wait = lastSent + interval - now()
      if (wait <= 0 && timer === null) {
        fire(input)
        return
      }
      waiting = { input }
      if (timer === null) {
        timer = setTimer(
          () => {
            timer = null
            const next = waiting
            waiting = null
            if (next) fire(next.input)
          },
          Math.max(0, wait),
        )
      }
    },
    cancel() {
      if (timer !== null) clearTimer(timer)
      timer = null
      waiting = null
      latestId += 1
      controller?.abort()
      controller = null
    },
  }
}
