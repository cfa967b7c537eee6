/**
 * A language model's text samples, folded from `samples` events of kind `text` (one item each:
 * `prompt`, `text`, `temperature`, `length`, `step`, `attention`), plus the text generated on
 * demand from a finished run. Shared by the sampled-text view and the attention view.
 */

import { create } from 'zustand'
import type { TrainingEvent } from '../api/events'
import { isTerminal } from '../api/events'
import type { AttentionMap } from '../api/runsApi'

export interface TextSampleItem {
  prompt: string
  text: string
  temperature: number | null
  length: number | null
  step: number | null
  epoch: number | null
  attention: AttentionMap[]
}

export interface TextState {
  /** Oldest first; the attention of all but the newest few is dropped (it is large). */
  samples: TextSampleItem[]
  /** The run is still training (a status event said so and no final one came). */
  live: boolean
}

/** Samples whose attention maps are kept (older ones keep their text only). */
export const KEEP_ATTENTION = 3
/** At most this many samples are kept (the oldest go first). */
export const MAX_SAMPLES = 200

export const initText = (): TextState => ({ samples: [], live: false })

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function isAttentionMap(v: unknown): v is AttentionMap {
  if (typeof v !== 'object' || v === null) return false
  const m = v as Record<string, unknown>
  return typeof m.node_id === 'string' && typeof m.num_heads === 'number' && Array.isArray(m.tokens) && typeof m.weights === 'object' && m.weights !== null
}

/** One `samples` item as a text sample (null when it is not one). */
export function parseTextItem(item: Record<string, unknown>, epoch: number | null): TextSampleItem | null {
  if (typeof item.text !== 'string') return null
  return {
    prompt: typeof item.prompt === 'string' ? item.prompt : '',
    text: item.text,
    temperature: num(item.temperature),
    length: num(item.length),
    step: num(item.step),
    epoch,
    attention: Array.isArray(item.attention) ? item.attention.filter(isAttentionMap) : [],
  }
}

export function reduceText(state: TextState, event: TrainingEvent): TextState {
  if (event.type === 'status') {
    state.live = !isTerminal(event.status)
    return state
  }
  if (event.type !== 'samples' || event.kind !== 'text') return state
  for (const raw of event.items) {
    const item = parseTextItem(raw as Record<string, unknown>, event.epoch ?? null)
    if (item) state.samples.push(item)
  }
  const { samples } = state
  if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES)
  for (let i = 0; i < samples.length - KEEP_ATTENTION; i += 1) if (samples[i].attention.length) samples[i] = { ...samples[i], attention: [] }
  return state
}

/** The text asked of a finished run (by run id), shown by the text and attention views. */
interface GeneratedStore {
  byRun: Record<string, TextSampleItem>
  setGenerated: (runId: string, item: TextSampleItem) => void
}

export const useGeneratedText = create<GeneratedStore>((set) => ({
  byRun: {},
  setGenerated: (runId, item) => set((s) => ({ byRun: { ...s.byRun, [runId]: item } })),
}))
