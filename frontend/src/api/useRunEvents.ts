/**
 * useRunEvents: keep one run's view in the run store fed from its websocket.
 *
 * Opens `WS /api/runs/{id}/events?after=N` (N = what the store already holds, 0 for a run
 * never opened, which replays its whole history), reconnects by itself with backoff after a
 * dropped connection and resumes after the last `seq` (see `reconnect.ts`), and hands events
 * to the store once per animation frame. Closes when the run changes or the component goes.
 */

import { useEffect } from 'react'
import { useRunStore } from '../store/runStore'
import { ResumableEventStream } from './reconnect'
import { runEventsUrl } from './runsApi'

/** Test and diagnostics hook: the live stream of the run being watched. */
declare global {
  interface Window {
    __layerlabStream?: ResumableEventStream
  }
}

export function useRunEvents(runId: string | null): void {
  useEffect(() => {
    if (!runId) return
    const store = useRunStore.getState()
    const held = store.views[runId]
    // A finished run already fully loaded needs no socket.
    if (held && held.finishedAt !== null && store.connections[runId]?.state === 'closed') return
    const stream = new ResumableEventStream({
      url: (after) => runEventsUrl(runId, after),
      createSocket: (url) => new WebSocket(url),
      after: held?.lastSeq ?? 0,
      onEvents: (events) => useRunStore.getState().applyEvents(runId, events),
      onState: (state, info) => {
        useRunStore.getState().setConnection(runId, state, info)
        if (state === 'closed') void useRunStore.getState().refreshRuns()
      },
    })
    window.__layerlabStream = stream
    stream.start()
    return () => {
      stream.flush()
      stream.dispose()
      if (window.__layerlabStream === stream) delete window.__layerlabStream
    }
  }, [runId])
}
