/**
 * The predictions gallery: test examples with the model's prediction, misclassified first (then
 * the least confident), fetched from the run's saved weights once it has some. A click on a
 * confusion-matrix cell (`confusionCell`) filters it to that cell; a click on an example shows
 * it in the Ask view with its saliency map.
 */

import { useEffect, useRef, useState } from 'react'
import type { TrainingEvent } from '../api/events'
import { isTerminal } from '../api/events'
import { ApiError } from '../api/http'
import { runsApi } from '../api/runsApi'
import { useAskStore } from '../ask/askStore'
import { addPage, filterLine, galleryFilter, hasMore, refreshDelay, type GalleryPages } from '../ask/galleryState'
import { Thumbnail } from '../ask/Thumbnail'
import { useRunStore } from '../store/runStore'
import { useVisible } from './frameDraw'
import { registerView, type ViewProps } from './registry'

export interface GalleryState {
  /** The newest finished epoch (the weights are saved after it). */
  epoch: number
  ended: boolean
}

const PAGE = 48

function Gallery({ runId, state, version }: ViewProps<GalleryState>) {
  const cell = useRunStore((s) => s.confusionCell)
  const setCell = useRunStore((s) => s.setConfusionCell)
  const pick = useAskStore((s) => s.pick)
  const filter = galleryFilter(runId, cell)
  const [pages, setPages] = useState<GalleryPages | null>(null)
  const [error, setError] = useState<string | null>(null)
  const lastFetch = useRef<number | null>(null)
  const key = `${runId}:${filter.split}:${filter.trueClass}:${filter.predicted}`
  const [figure, setFigure] = useState<HTMLElement | null>(null)
  const visible = useVisible(figure)

  const fetchPage = (offset: number, signal?: AbortSignal) =>
    runsApi
      .predictions(runId, { split: filter.split, trueClass: filter.trueClass, predicted: filter.predicted, limit: PAGE, offset }, signal)
      .then((page) => {
        lastFetch.current = Date.now()
        setError(null)
        setPages((p) => addPage(offset === 0 ? null : p, filter, page))
      })
      .catch((e: unknown) => {
        if (e instanceof DOMException && e.name === 'AbortError') return
        if (e instanceof ApiError && e.status === 409) setError('The gallery fills once the first epoch has finished.')
        else setError(e instanceof Error ? e.message : 'The predictions could not be fetched.')
      })

  useEffect(() => {
    // Out of sight it asks the server nothing (each fetch runs the model over the test split);
    // it fetches when it comes into sight.
    if (!runId || !visible || (state.epoch === 0 && !state.ended)) return
    const controller = new AbortController()
    const timer = setTimeout(() => void fetchPage(0, controller.signal), refreshDelay(lastFetch.current, Date.now(), state.ended))
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, state.epoch, state.ended, version, visible])

  const line = filterLine(filter, pages?.labels ?? null)
  const name = (k: number) => pages?.labels[k] ?? String(k)
  return (
    <figure ref={setFigure} className="chart-card gallery" aria-label="Predictions">
      <figcaption>
        Predictions{' '}
        <span className="chart-sub">
          {pages ? `${pages.misclassified} of ${pages.total} wrong, after epoch ${pages.epoch}` : 'test examples, misclassified first'}
        </span>
      </figcaption>
      <p className="view-explain">Test examples with what the model predicts and how sure it is; the mistakes come first. Click one to ask the model about it.</p>
      {line ? (
        <p className="gallery-filter" role="status">
          {line} —{' '}
          <button type="button" className="link" onClick={() => setCell(null)}>
            show all
          </button>
        </p>
      ) : null}
      {error ? <p className="chart-empty">{error}</p> : null}
      {!pages && !error ? (
        <p className="chart-empty">
          {state.epoch > 0 || state.ended ? 'Loading the test predictions…' : 'The gallery fills once the first epoch has finished.'}
        </p>
      ) : null}
      <ul className="gallery-grid" style={{ display: 'flex', flexWrap: 'wrap', gap: 6, listStyle: 'none', padding: 0 }}>
        {pages?.items.map((item) => {
          const wrong = item.label !== item.predicted
          return (
            <li key={item.index} className={`gallery-item${wrong ? ' is-wrong' : ''}`} data-wrong={wrong ? '1' : '0'}>
              <button
                type="button"
                onClick={() => pick(runId, pages.filter.split, item)}
                title={`example ${item.index}: true ${name(item.label)}, predicted ${name(item.predicted)} (${Math.round(item.confidence * 100)} %)`}
                style={{ border: `2px solid ${wrong ? '#d62728' : '#2ca02c'}`, background: 'none', padding: 2 }}
              >
                <Thumbnail input={item.input} label={`example ${item.index}`} />
                <span style={{ display: 'block', fontSize: 11 }}>
                  {name(item.label)} → {name(item.predicted)} {Math.round(item.confidence * 100)} %
                </span>
              </button>
            </li>
          )
        })}
      </ul>
      {hasMore(pages) ? (
        <button type="button" className="btn" onClick={() => void fetchPage(pages?.items.length ?? 0)}>
          More
        </button>
      ) : null}
    </figure>
  )
}

export function reduceGallery(state: GalleryState, event: TrainingEvent): GalleryState {
  if (event.type === 'epoch') state.epoch = Math.max(state.epoch, event.epoch)
  else if (event.type === 'status' && isTerminal(event.status)) state.ended = true
  return state
}

registerView<GalleryState>({
  id: 'gallery',
  title: 'Predictions',
  description: 'Test examples with the predicted class and its confidence, misclassified first; a confusion-matrix cell filters it.',
  eventTypes: ['epoch', 'status'],
  places: ['dashboard'],
  order: 60,
  init: () => ({ epoch: 0, ended: false }),
  reduce: reduceGallery,
  isAvailable: (state, ctx) => (ctx.task === null || ctx.task === 'classification') && (state.epoch > 0 || state.ended),
  Component: Gallery,
})
