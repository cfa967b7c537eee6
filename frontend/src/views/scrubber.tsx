/**
 * The time scrubber: a slider over the run's recorded snapshot steps, Play (training as a film,
 * `FILM_RATE` snapshots a second) and Live (follow the run again). It sets the run store's scrub
 * step; every view with history shows its last snapshot at or before it (the canvas, the node
 * panel and any other view reading `scrub`).
 */

import { useEffect, useId, useRef, useState } from 'react'
import { indexAtStep } from '../inside/history'
import type { ActivationsState } from '../inside/state'
import { useRunStore } from '../store/runStore'
import '../inside/inside.css'
import { getViewState, registerView, type ViewProps } from './registry'

/** Snapshots shown per second while playing. */
export const FILM_RATE = 10

function Scrubber({ runId, step }: ViewProps<null>) {
  const id = useId()
  const steps = runId ? getViewState<ActivationsState>(runId, 'activations')?.steps : undefined
  const [playing, setPlaying] = useState(false)
  const position = useRef(step)
  position.current = step
  const count = steps?.steps.length ?? 0

  useEffect(() => {
    if (!playing || !steps) return
    const timer = window.setInterval(() => {
      const list = steps.steps
      const at = position.current === null ? -1 : indexAtStep(list, position.current)
      const next = at + 1
      if (next >= list.length) {
        setPlaying(false)
        return
      }
      useRunStore.getState().setScrub(list[next])
    }, 1000 / FILM_RATE)
    return () => window.clearInterval(timer)
  }, [playing, steps])

  useEffect(() => setPlaying(false), [runId])

  if (!runId || !steps || count === 0) return null
  const index = step === null ? count - 1 : Math.max(0, indexAtStep(steps.steps, step))
  const shownStep = steps.steps[index]
  const epoch = steps.items[index]
  const live = step === null
  const select = (value: number) => {
    setPlaying(false)
    useRunStore.getState().setScrub(steps.steps[value])
  }
  return (
    <figure className="chart-card scrubber-card">
      <figcaption>
        Time scrubber <span className="chart-sub">{count} recorded steps</span>
      </figcaption>
      <p className="scrubber-help">{DESCRIPTION}</p>
      <div className="scrubber" role="group" aria-label="Time scrubber">
        <div className="scrubber-row">
          <button
            type="button"
            className="btn"
            onClick={() => {
              if (!playing && (live || index >= count - 1)) useRunStore.getState().setScrub(steps.steps[0])
              setPlaying(!playing)
            }}
            aria-pressed={playing}
          >
            {playing ? 'Pause' : 'Play'}
          </button>
          <label htmlFor={id} className="scrubber-label">
            {live ? 'Live: step' : 'Step'} {shownStep}
            {epoch !== null ? ` (epoch ${epoch})` : ''}
          </label>
          <button
            type="button"
            className={`btn${live ? ' btn-primary' : ''}`}
            aria-pressed={live}
            onClick={() => {
              setPlaying(false)
              useRunStore.getState().setScrub(null)
            }}
          >
            Live
          </button>
        </div>
        <input
          id={id}
          type="range"
          min={0}
          max={count - 1}
          step={1}
          value={index}
          aria-valuetext={`step ${shownStep}`}
          data-step={shownStep}
          onChange={(e) => select(Number(e.target.value))}
        />
      </div>
    </figure>
  )
}

const DESCRIPTION =
  'Move to any recorded step of the run, or play the training back as a film: the canvas, the node panel and the boundary show that moment; Live follows the run again.'

registerView<null>({
  id: 'scrubber',
  title: 'Time scrubber',
  description: DESCRIPTION,
  eventTypes: [],
  places: ['dashboard'],
  order: 0,
  init: () => null,
  reduce: (state) => state,
  isAvailable: () => true,
  Component: Scrubber,
})
