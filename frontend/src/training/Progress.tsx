/** Where a run is: queue position, epoch x of y, step, learning rate, speed and time left. */

import type { RunView } from './reduceEvents'
import { progressOf } from './reduceEvents'
import { formatDuration, formatNumber, formatRate } from './format'

export interface ProgressProps {
  view: RunView
}

export function Progress({ view }: ProgressProps) {
  const p = progressOf(view)
  if (view.status === 'queued') {
    return (
      <div className="progress" role="status">
        <span className="progress-queue">
          Waiting in the queue{view.position != null ? ` — position ${view.position}` : ''}. Training starts when a slot frees up.
        </span>
      </div>
    )
  }
  const percent = p.fraction != null ? Math.round(p.fraction * 100) : null
  const epochText = p.epochs ? `Epoch ${Math.max(p.epoch, view.status === 'running' ? 1 : 0)} / ${p.epochs}` : `Epoch ${p.epoch}`
  return (
    <div className="progress">
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={percent != null ? `${percent}% — ${epochText}` : epochText}
      >
        <div className={`progress-fill${view.status === 'paused' ? ' is-paused' : ''}`} style={{ width: `${percent ?? 0}%` }} />
      </div>
      <dl className="progress-facts">
        <div>
          <dt>Epoch</dt>
          <dd>
            {p.epochs ? `${Math.max(p.epoch, view.status === 'running' ? 1 : 0)} / ${p.epochs}` : p.epoch}
          </dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>{p.totalSteps ? `${p.step.toLocaleString('en-US')} / ${p.totalSteps.toLocaleString('en-US')}` : p.step.toLocaleString('en-US')}</dd>
        </div>
        {view.learningRate != null ? (
          // The rate the last step trained with: a live change shows here once it applies.
          <div>
            <dt>Learning rate</dt>
            <dd>{formatNumber(view.learningRate)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Speed</dt>
          <dd>{view.samplesPerS != null ? `${formatRate(view.samplesPerS)} samples/s` : '—'}</dd>
        </div>
        <div>
          <dt>{view.finishedAt != null ? 'Took' : 'Time left'}</dt>
          <dd>
            {view.finishedAt != null && view.startedAt != null
              ? formatDuration(view.finishedAt - view.startedAt)
              : p.etaS != null
                ? formatDuration(p.etaS)
                : view.status === 'paused'
                  ? 'paused'
                  : '—'}
          </dd>
        </div>
        {view.device ? (
          <div>
            <dt>Device</dt>
            <dd>{view.device}</dd>
          </div>
        ) : null}
      </dl>
    </div>
  )
}
