/**
 * The runs part of the HTTP API (PLAN's HTTP API): create, list, control, replay.
 *
 * Wire types are aliases of the generated OpenAPI types (snake_case keys). Every failure is
 * an `ApiError` (from `http.ts`) carrying the server's plain `detail` and its `errors` list,
 * never a raw response.
 */

import { wsBase } from './config'
import type { components } from './client/schema'
import { parseEvents, type TrainingEvent } from './events'
import { requestJson as request } from './http'

type Schemas = components['schemas']

/** The body of `POST /api/runs` (its input form: `dataset` may also be a bare name). */
export type RunRequest = Schemas['RunRequest-Input']
/** Why a run failed (or was interrupted). */
export type RunError = Schemas['RunErrorInfo']
/** One entry of `GET /api/runs`; times in seconds since the epoch. */
export type RunSummary = Schemas['RunSummary']
export type RunDetail = Schemas['RunDetail']
export type RunCreated = Schemas['RunCreated']
/** The answer of a control: the run's status now (the change itself arrives as an event). */
export type ControlResponse = Schemas['ControlResponse']
/** The body of `POST /api/runs/{id}/predict`: inputs in the data set's own scale (see the route's description). */
export type PredictBody = Schemas['PredictBody']
/** What the run's trained model makes of the inputs: predictions, probabilities, every node's activations, saliency. */
export type PredictResponse = Schemas['PredictResponse']
/** One node's output for one input (statistics, `values` or quantized `feature_maps_q`). */
export type NodeActivation = Schemas['NodeActivation']
/** An 8-bit array: `value = low + q / 255 * (high - low)`, `data` base64 of the uint8 `q`, row-major over `shape`. */
export type QuantizedArray = Schemas['Quantized']
/** A page of the gallery (`GET /api/runs/{id}/predictions`): misclassified first, then the least confident. */
export type PredictionsPage = Schemas['PredictionsPage']
export type GalleryItem = Schemas['GalleryItem']
export type ProbeResponse = Schemas['ProbeResponse']
export type PredictionSplit = PredictionsPage['split']
/** A language model's continuation of each prompt (`POST /api/runs/{id}/predict` on a text run). */
export type TextPredictResponse = Schemas['TextPredictResponse']
export type TextSample = Schemas['TextSample']
/** One attention node's maps: `weights` quantized `[heads, L, L]` over `tokens`. */
export type AttentionMap = Schemas['AttentionMap']
/** What a language model's live samples use from the next sample on (left out: as it is). */
export type SamplingBody = Schemas['SamplingBody']
export type SamplingResponse = Schemas['SamplingResponse']

/** Filters and paging of the gallery; `trueClass` + `predicted` pick one confusion-matrix cell. */
export interface PredictionsQuery {
  split?: PredictionSplit
  trueClass?: number | null
  predicted?: number | null
  limit?: number
  offset?: number
}

/** Options of a prediction: a saliency map for `target` (default: each input's predicted class). */
export interface PredictOptions {
  saliency?: boolean
  target?: number | null
  /** Aborts the request (a newer stroke of the drawing canvas supersedes it). */
  signal?: AbortSignal
}

const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`

export const runsApi = {
  create: (body: RunRequest) => request<RunCreated>('POST', '/api/runs', body),
  list: () => request<RunSummary[]>('GET', '/api/runs'),
  get: (id: string) => request<RunDetail>('GET', runPath(id)),
  pause: (id: string) => request<ControlResponse>('POST', `${runPath(id)}/pause`),
  resume: (id: string) => request<ControlResponse>('POST', `${runPath(id)}/resume`),
  stop: (id: string) => request<ControlResponse>('POST', `${runPath(id)}/stop`),
  step: (id: string) => request<ControlResponse>('POST', `${runPath(id)}/step`),
  setLearningRate: (id: string, learningRate: number) =>
    request<ControlResponse>('POST', `${runPath(id)}/learning_rate`, { learning_rate: learningRate } satisfies Schemas['LearningRateBody']),
  remove: (id: string) => request<void>('DELETE', runPath(id)),
  /**
   * Ask the run's trained model about `inputs` (each of the data set's input shape, or flat): 409 `no_weights`
   * while it has none, 422 naming `inputs[i]` for a wrong shape.
   */
  predict: (id: string, inputs: unknown[], options: PredictOptions = {}) =>
    request<PredictResponse>('POST', `${runPath(id)}/predict`, {
      inputs,
      saliency: options.saliency ?? false,
      target: options.target ?? null,
    } satisfies PredictBody, options.signal),
  /**
   * A finished language model continues each prompt (409 `no_weights` while it has none; 422
   * `prompt_out_of_vocabulary` naming `inputs.<i>`). The same `seed` gives the same text.
   */
  generate: (id: string, prompts: string[], options: { temperature?: number; length?: number; seed?: number | null } = {}) =>
    request<TextPredictResponse>('POST', `${runPath(id)}/predict`, {
      inputs: prompts,
      temperature: options.temperature ?? null,
      length: options.length ?? null,
      seed: options.seed ?? null,
    } satisfies PredictBody),
  /** Change a running language model's live samples from the next one on (202; 409 once it ended; 422 naming the field). */
  setSampling: (id: string, body: SamplingBody) => request<SamplingResponse>('POST', `${runPath(id)}/sampling`, body),
  /** The gallery of a split's predictions (default: the test split, 48 per page). */
  predictions: (id: string, query: PredictionsQuery = {}, signal?: AbortSignal) => {
    const params = new URLSearchParams({ split: query.split ?? 'test' })
    if (query.trueClass !== undefined && query.trueClass !== null) params.set('true', String(query.trueClass))
    if (query.predicted !== undefined && query.predicted !== null) params.set('predicted', String(query.predicted))
    if (query.limit !== undefined) params.set('limit', String(query.limit))
    if (query.offset !== undefined) params.set('offset', String(query.offset))
    return request<PredictionsPage>('GET', `${runPath(id)}/predictions?${params}`, undefined, signal)
  },
  /** Follow validation example `index` in the live activations (202; 409 unless running or paused). */
  setProbe: (id: string, index: number) =>
    request<ProbeResponse>('POST', `${runPath(id)}/probe`, { index } satisfies Schemas['ProbeBody']),
  /** The recorded events after `after` (a replay over HTTP, used to compare finished runs). */
  events: async (id: string, after = 0, limit?: number): Promise<TrainingEvent[]> => {
    const query = new URLSearchParams({ after: String(after) })
    if (limit !== undefined) query.set('limit', String(limit))
    return parseEvents(await request<unknown>('GET', `${runPath(id)}/events?${query}`))
  },
}

/** The live websocket URL of a run's events after `after`. */
/** The run's event stream after `after`; `batch=true`: the replayed history comes in arrays (fast for long runs). */
export function runEventsUrl(id: string, after: number): string {
  return `${wsBase()}${runPath(id)}/events?after=${after}&batch=true`
}

export type RunControl = 'pause' | 'resume' | 'stop' | 'step'
