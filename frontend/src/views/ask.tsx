/**
 * Ask the model: on grey image sets a canvas to draw an input on (sent as you draw, at most four
 * requests a second, the newest answer wins), on 2-D sets a point of the plane (a click on the
 * decision boundary, `planePoint`, or typed); shows the prediction bars, the input's activations
 * through every layer and its saliency map. A gallery example clicked is loaded here.
 */

import { useEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../api/http'
import { runsApi, type PredictResponse } from '../api/runsApi'
import { ActivationStrip } from '../ask/ActivationStrip'
import { useAskStore } from '../ask/askStore'
import { drawableSide } from '../ask/drawing'
import { DrawPad } from '../ask/DrawPad'
import { refreshDelay } from '../ask/galleryState'
import { PredictionBars } from '../ask/PredictionBars'
import { newestWins } from '../ask/requests'
import { Thumbnail } from '../ask/Thumbnail'
import { useRunDataset } from '../ask/useRunDataset'
import { decodeQuantized } from '../inside/quantized'
import { useRunStore } from '../store/runStore'
import type { GalleryState } from './gallery'
import { reduceGallery } from './gallery'
import { useVisible } from './frameDraw'
import { registerView, type ViewProps } from './registry'
import '../ask/ask.css'

/** A failed request in words (409: no weights yet). */
export function askError(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) return 'The model can be asked once its first epoch has finished.'
  if (error instanceof Error) return error.message
  return 'The model could not be asked.'
}

function Ask({ runId, state }: ViewProps<GalleryState>) {
  const dataset = useRunDataset(runId)
  const side = drawableSide(dataset?.input_shape)
  const planar = dataset?.kind === '2d'
  const planePoint = useRunStore((s) => (s.planePoint?.runId === runId ? s.planePoint : null))
  const example = useAskStore((s) => (s.example?.runId === runId ? s.example : null))
  const [answer, setAnswer] = useState<PredictResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saliency, setSaliency] = useState(true)
  const [target, setTarget] = useState<number | null>(null)
  const [input, setInput] = useState<number[] | null>(null)
  const [point, setPoint] = useState<[number, number]>([0, 0])

  const lastAsked = useRef<{ key: string; at: number; ended: boolean } | null>(null)
  const asker = useMemo(
    () =>
      newestWins<{ x: unknown; saliency: boolean; target: number | null }, PredictResponse>({
        send: (q, signal) => runsApi.predict(runId, [q.x], { saliency: q.saliency, target: q.target, signal }),
        onResult: (r) => {
          setAnswer(r)
          setError(null)
        },
        onError: (e) => {
          setError(askError(e))
          lastAsked.current = null // asked too early (no weights yet): the next epoch asks at once
        },
        intervalMs: 250,
      }),
    [runId],
  )
  useEffect(() => () => asker.cancel(), [asker])
  const [figure, setFigure] = useState<HTMLElement | null>(null)
  const visible = useVisible(figure)

  const load = useMemo(() => {
    if (!example) return null
    const d = decodeQuantized(example.item.input)
    return { values: d.values, key: example.nonce }
  }, [example])

  // A picked example is what the model is asked about (the pad only shows it).
  useEffect(() => {
    if (!load) return
    const values = Array.from(load.values)
    if (planar && values.length === 2) setPoint([values[0], values[1]])
    else setInput(values)
  }, [load, planar])

  useEffect(() => {
    if (planePoint) setPoint([planePoint.x, planePoint.y])
  }, [planePoint])

  // A new input is asked about at once. A new epoch of a live run asks again only when its
  // weights may have changed (they are saved at most every few seconds: `refreshDelay`) and once
  // more when the run has ended; out of sight, nothing is asked (each request runs the model on
  // the server, beside the run).
  useEffect(() => {
    const x = planar ? point : input
    if (!x || !runId || !visible || (state.epoch === 0 && !state.ended)) return
    const query = { x, saliency: saliency && !planar, target }
    const key = JSON.stringify([runId, query])
    const last = lastAsked.current
    if (last && last.key === key && last.ended) return // the final weights' answer is shown
    const wait = last && last.key === key ? refreshDelay(last.at, Date.now(), state.ended) : 0
    const ask = () => {
      lastAsked.current = { key, at: Date.now(), ended: state.ended }
      asker.submit(query)
    }
    if (wait <= 0) {
      ask()
      return
    }
    const timer = setTimeout(ask, wait)
    return () => clearTimeout(timer)
  }, [asker, input, point, planar, saliency, target, runId, visible, state.epoch, state.ended])

  const probs = answer?.probabilities?.[0] ?? null
  const sal = answer?.saliency?.[0] ?? null
  const ready = state.epoch > 0 || state.ended
  return (
    <figure ref={setFigure} className="chart-card ask" aria-label="Ask the model">
      <figcaption>
        Ask the model <span className="chart-sub">{answer ? `weights of epoch ${answer.epoch}` : 'draw or pick an input'}</span>
      </figcaption>
      {!ready ? <p className="chart-empty">The model can be asked once its first epoch has finished.</p> : null}
      {side ? (
        <div className="ask-draw">
          <p className="view-explain">Draw a {side === 8 ? 'digit' : 'picture'} with the mouse; the model answers as you draw.</p>
          <DrawPad side={side} onInput={setInput} load={load} />
        </div>
      ) : planar ? (
        <div className="ask-point">
          <p className="view-explain">Click the decision boundary's plane (or type a point): the model classifies that point.</p>
          <label>
            x <input type="number" step="0.1" value={point[0]} onChange={(e) => setPoint([Number(e.target.value), point[1]])} />
          </label>{' '}
          <label>
            y <input type="number" step="0.1" value={point[1]} onChange={(e) => setPoint([point[0], Number(e.target.value)])} />
          </label>
        </div>
      ) : (
        <p className="chart-empty">Drawing an input works on image and 2-D data sets; pick a gallery example to ask about it.</p>
      )}
      {error ? (
        <p className="ask-error" role="alert">
          {error}
        </p>
      ) : null}
      {probs ? (
        <div className="ask-bars">
          <p className="view-explain">Each bar is the model's probability for that class; the highlighted one is its answer.</p>
          <PredictionBars probabilities={probs} labels={answer?.labels ?? null} />
        </div>
      ) : null}
      {!planar && side ? (
        <div className="ask-saliency">
          <label>
            <input type="checkbox" checked={saliency} onChange={(e) => setSaliency(e.target.checked)} /> Saliency
          </label>{' '}
          <label>
            for class{' '}
            <select value={target ?? ''} onChange={(e) => setTarget(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">predicted</option>
              {(answer?.labels ?? []).map((l, i) => (
                <option key={l} value={i}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          {sal ? (
            <div aria-label="Saliency map">
              <p className="view-explain">Dark pixels are the ones whose change would move that class's score most.</p>
              <Thumbnail input={sal} size={112} label="saliency map" />
            </div>
          ) : null}
        </div>
      ) : null}
      {answer?.activations?.[0] ? (
        <div>
          <p className="view-explain">What each layer makes of this input: its values (dense layers) or feature maps (convolutions).</p>
          <ActivationStrip runId={runId} activations={answer.activations[0]} />
        </div>
      ) : null}
    </figure>
  )
}

registerView<GalleryState>({
  id: 'ask',
  title: 'Ask the model',
  description: 'Draw an input (or click the plane) and see the prediction, every layer’s activations and the saliency map.',
  eventTypes: ['epoch', 'status'],
  places: ['dashboard'],
  order: 61,
  init: () => ({ epoch: 0, ended: false }),
  reduce: reduceGallery,
  isAvailable: (_s, ctx) => ctx.task === null || ctx.task === 'classification',
  Component: Ask,
})

