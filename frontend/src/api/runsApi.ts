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
