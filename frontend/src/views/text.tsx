/**
 * The sampled-text view of a language model: the newest text the model wrote (the prompt
 * marked, then the continuation), the earlier samples to compare with (step by step the text
 * gets better), and the sampling controls. While the run trains, changing the temperature, the
 * length or the prompt is sent to the run (`POST /api/runs/{id}/sampling`) and the next live
 * sample uses it; once it has ended, the same controls ask the trained model
 * (`POST /api/runs/{id}/predict`) and the answer replaces the text at once.
 */

import { useEffect, useRef, useState } from 'react'
import { ApiError } from '../api/http'
import { runsApi } from '../api/runsApi'
import { registerView, type ViewProps } from './registry'
import { initText, reduceText, useGeneratedText, type TextSampleItem, type TextState } from './textSamples'

/** Wait this long after the last change before sending it (a dragged slider sends once). */
export const SAMPLING_DEBOUNCE_MS = 350

const DEFAULT_TEMPERATURE = 0.8
const DEFAULT_LENGTH = 200

function SampleText({ item, label }: { item: TextSampleItem; label: string }) {
  return (
    <pre className="sample-text" aria-label={label}>
      {item.prompt ? <mark className="sample-prompt">{item.prompt}</mark> : null}
      {item.text}
    </pre>
  )
}

function sampleHeading(item: TextSampleItem): string {
  const parts: string[] = []
  if (item.step !== null) parts.push(`step ${item.step}`)
  if (item.epoch !== null) parts.push(`epoch ${item.epoch}`)
  if (item.temperature !== null) parts.push(`temperature ${item.temperature}`)
  return parts.join(' · ')
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const issue = error.errors[0]
    return issue?.hint ? `${error.message} ${issue.hint}` : error.message
  }
  return error instanceof Error ? error.message : String(error)
}

export function TextView({ runId, state, version }: ViewProps<TextState>) {
  const generated = useGeneratedText((s) => (runId ? s.byRun[runId] : undefined))
  const latest = state.samples[state.samples.length - 1] ?? null
  const [temperature, setTemperature] = useState(DEFAULT_TEMPERATURE)
  const [length, setLength] = useState(DEFAULT_LENGTH)
  const [prompt, setPrompt] = useState('')
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null)
  const [busy, setBusy] = useState(false)
  const touched = useRef(false)
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null)
  const live = state.live
  const setGenerated = useGeneratedText((s) => s.setGenerated)

  // Follow the run's own settings until the user changes one.
  useEffect(() => {
    touched.current = false
    setNote(null)
  }, [runId])
  useEffect(() => {
    if (touched.current || !latest) return
    if (latest.temperature !== null) setTemperature(latest.temperature)
    if (latest.length !== null) setLength(latest.length)
    setPrompt(latest.prompt)
  }, [latest, version])
  useEffect(() => () => {
    if (pending.current) clearTimeout(pending.current)
  }, [])

  const generate = async (t: number, n: number, p: string) => {
    setBusy(true)
    try {
      const answer = await runsApi.generate(runId, [p], { temperature: t, length: n })
      const sample = answer.samples[0]
      setGenerated(runId, {
        prompt: sample.prompt,
        text: sample.text,
        temperature: answer.temperature,
        length: answer.length,
        step: answer.step,
        epoch: answer.epoch,
        attention: sample.attention,
      })
      setNote({ text: `Written by the trained model (seed ${answer.seed}).`, error: false })
    } catch (error) {
      setNote({ text: errorText(error), error: true })
    } finally {
      setBusy(false)
    }
  }

  const send = (t: number, n: number, p: string) => {
    if (pending.current) clearTimeout(pending.current)
    pending.current = setTimeout(() => {
      pending.current = null
      if (!runId) return
      if (live) {
        runsApi
          .setSampling(runId, { temperature: t, length: n, prompt: p })
          .then(() => setNote({ text: 'The next sample uses these settings.', error: false }))
          .catch((error: unknown) => setNote({ text: errorText(error), error: true }))
      } else {
        void generate(t, n, p)
      }
    }, SAMPLING_DEBOUNCE_MS)
  }

  const change = (t: number, n: number, p: string) => {
    touched.current = true
    setTemperature(t)
    setLength(n)
    setPrompt(p)
    send(t, n, p)
  }

  const shown = !live && generated ? generated : latest
  const earlier = state.samples.slice(0, -1).reverse()
  return (
    <figure className="chart-card text-card" aria-label="Sampled text">
      <figcaption>
        Sampled text <span className="chart-sub">{shown ? sampleHeading(shown) : 'what the model writes, live'}</span>
      </figcaption>
      <div className="text-controls">
        <label>
          Temperature <span aria-hidden="true">{temperature.toFixed(2)}</span>
          <input
            type="range"
            aria-label="Temperature"
            min={0.05}
            max={2}
            step={0.05}
            value={temperature}
            disabled={!runId}
            onChange={(e) => change(Number(e.target.value), length, prompt)}
          />
        </label>
        <label>
          Length
          <input
            type="number"
            aria-label="Length"
            min={1}
            max={2000}
            value={length}
            disabled={!runId}
            onChange={(e) => {
              const n = Math.round(Number(e.target.value))
              if (n >= 1 && n <= 2000) change(temperature, n, prompt)
              else setLength(n)
            }}
          />
        </label>
        <label className="text-prompt-field">
          Prompt
          <input type="text" aria-label="Prompt" maxLength={500} value={prompt} disabled={!runId} onChange={(e) => change(temperature, length, e.target.value)} />
        </label>
        {runId && !live ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void generate(temperature, length, prompt)}>
            {busy ? 'Writing…' : 'Generate'}
          </button>
        ) : null}
      </div>
      {note ? (
        <p className={note.error ? 'text-note is-error' : 'text-note'} role={note.error ? 'alert' : 'status'}>
          {note.text}
        </p>
      ) : null}
      {shown ? (
        <SampleText item={shown} label="Newest sample" />
      ) : (
        <p className="chart-empty">{runId ? 'The first sample arrives a few seconds into training…' : 'Train a language model to read what it writes.'}</p>
      )}
      {earlier.length > 0 ? (
        <details className="text-history">
          <summary>Earlier samples ({earlier.length})</summary>
          <ol>
            {earlier.map((item, i) => (
              <li key={`${item.step}-${i}`}>
                <span className="chart-sub">{sampleHeading(item)}</span>
                <SampleText item={item} label={`Sample at ${sampleHeading(item)}`} />
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </figure>
  )
}

registerView<TextState>({
  id: 'text',
  title: 'Sampled text',
  description:
    'What the language model writes from the prompt, a new sample every few seconds: gibberish first, then words, then lines that look like the corpus. Lower the temperature for safer, more repetitive text; raise it for wilder text.',
  eventTypes: ['status', 'samples'],
  places: ['dashboard'],
  order: 15,
  init: initText,
  reduce: reduceText,
  isAvailable: (state, ctx) => ctx.task === 'language_model' || state.samples.length > 0,
  Component: TextView,
})
