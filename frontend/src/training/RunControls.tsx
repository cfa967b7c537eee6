/**
 * Pause, resume, stop and step one batch, and the learning rate changed while the run is
 * live. Real buttons with the names Pause / Resume / Stop / Step.
 */

import { useEffect, useId, useState } from 'react'
import { isTerminal } from '../api/events'
import { useRunStore } from '../store/runStore'
import type { RunView } from './reduceEvents'

export interface RunControlsProps {
  runId: string
  view: RunView | null
}

export function RunControls({ runId, view }: RunControlsProps) {
  const control = useRunStore((s) => s.control)
  const setLearningRate = useRunStore((s) => s.setLearningRate)
  const busy = useRunStore((s) => s.controlBusy)
  const error = useRunStore((s) => s.controlError)
  const summaryStatus = useRunStore((s) => s.runs.find((r) => r.id === runId)?.status ?? null)
  const status = view?.status ?? summaryStatus
  const [lrDraft, setLrDraft] = useState('')
  const lrId = useId()
  const errorId = useId()
  const currentLr = view?.learningRate ?? null

  // Show the run's learning rate until the user types another.
  useEffect(() => {
    if (currentLr != null) setLrDraft((draft) => (draft === '' ? String(currentLr) : draft))
  }, [currentLr])
  useEffect(() => setLrDraft(''), [runId])

  const live = status === 'running' || status === 'paused' || status === 'queued'
  if (!live && isTerminal(status)) return null
  const paused = status === 'paused'
  const lrValue = Number(lrDraft)
  const lrValid = lrDraft.trim() !== '' && Number.isFinite(lrValue) && lrValue > 0 && lrValue <= 10

  return (
    <div className="run-controls" role="group" aria-label="Run controls">
      {paused ? (
        <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void control(runId, 'resume')}>
          Resume
        </button>
      ) : (
        <button
          type="button"
          className="btn"
          disabled={busy !== null || status !== 'running'}
          onClick={() => void control(runId, 'pause')}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        className="btn"
        disabled={busy !== null || !paused}
        title={paused ? 'Train exactly one batch, then pause again' : 'Pause first, then step one batch at a time'}
        onClick={() => void control(runId, 'step')}
      >
        Step
      </button>
      <button type="button" className="btn btn-danger" disabled={busy !== null || !live} onClick={() => void control(runId, 'stop')}>
        Stop
      </button>
      <form
        className="lr-live"
        onSubmit={(e) => {
          e.preventDefault()
          if (lrValid) void setLearningRate(runId, lrValue)
        }}
      >
        <label htmlFor={lrId}>Learning rate (live)</label>
        <input
          id={lrId}
          type="number"
          inputMode="decimal"
          step="any"
          min={0}
          max={10}
          value={lrDraft}
          aria-invalid={lrDraft !== '' && !lrValid}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => setLrDraft(e.target.value)}
          disabled={!live}
        />
        <button
          type="submit"
          className="btn"
          aria-label="Set learning rate"
          disabled={!live || !lrValid || busy !== null || lrValue === currentLr}
        >
          Set
        </button>
      </form>
      {error ? (
        <p id={errorId} className="control-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}
