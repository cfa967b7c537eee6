/**
 * The run event stream of docs/contract.md §4 as TypeScript: `TrainingEvent` is a union narrowed on `type`.
 *
 * The server defines every event once, as pydantic models in
 * `backend/layerlab/training/events.py`, and publishes them in its OpenAPI schema (as the
 * body of `GET /api/runs/{id}/events`); the types here are aliases of the generated
 * `client/schema.d.ts`, tightened only where `parseEvent()` fills in a default the server may
 * leave out. `parseEvent()` is the only way a message enters the page: it checks the fields
 * every event has and the ones the dashboard reads, and rejects the rest, so a malformed
 * message is dropped instead of breaking a chart.
 */

import type { components } from './client/schema'

type Schemas = components['schemas']

export type StatusEvent = Schemas['StatusEvent']
export type RunState = StatusEvent['status']
/** `loss` is NaN when the server sent a non-finite value (JSON null). */
export type StepEvent = Schemas['StepEvent']
/** `val` is always there after parsing (`{}` when the run has no validation split). */
export type EpochEvent = Schemas['EpochEvent'] & { val: Record<string, number> }
export type ClassMetrics = Schemas['ClassMetrics']
/** `split` is always there after parsing (the server's default is `test`). */
export type EvaluationEvent = Schemas['EvaluationEvent'] & { split: NonNullable<Schemas['EvaluationEvent']['split']> }
/** Rows are the true class, columns the predicted class. */
export type ConfusionMatrixEvent = Schemas['ConfusionMatrixEvent']
export type Histogram = Schemas['Histogram']
export type LayerStats = Schemas['LayerStats']
export type ActivationsEvent = Schemas['ActivationsEvent']
export type WeightsEvent = Schemas['WeightsEvent']
export type GradientsEvent = Schemas['GradientsEvent']
/**
 * `grid[i][j]` is the prediction at `(x_values[j], y_values[i])`: the class index for
 * classification (`probabilities` then holds the winning probability) or the predicted value
 * for regression. `points` (always there after parsing) are `[x, y, label]` samples of the data.
 */
export type DecisionBoundaryEvent = Schemas['DecisionBoundaryEvent'] & { points: [number, number, number][] }
export type SamplesEvent = Schemas['SamplesEvent']
export type DiagnosticEvent = Schemas['DiagnosticEvent']

export type TrainingEvent =
  | StatusEvent
  | StepEvent
  | EpochEvent
  | EvaluationEvent
  | ConfusionMatrixEvent
  | ActivationsEvent
  | WeightsEvent
  | GradientsEvent
  | DecisionBoundaryEvent
  | SamplesEvent
  | DiagnosticEvent

export type TrainingEventType = TrainingEvent['type']

/** States after which a run emits nothing more. */
export const TERMINAL_STATES: ReadonlySet<RunState> = new Set<RunState>(['completed', 'failed', 'stopped', 'interrupted'])

export function isTerminal(status: RunState | null | undefined): boolean {
  return status != null && TERMINAL_STATES.has(status)
}

const RUN_STATES: ReadonlySet<string> = new Set(['queued', 'running', 'paused', 'completed', 'failed', 'stopped', 'interrupted'])

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number'
}

function isNumberRecord(value: unknown): value is Record<string, number> {
  if (!isObject(value)) return false
  return Object.values(value).every((v) => typeof v === 'number' || v === null)
}

function isMatrix(value: unknown): value is number[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row))
}

function isPair(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && isNumber(value[0]) && isNumber(value[1])
}

/** Checks the payload fields the page reads, per type; true when the object can be used. */
const PAYLOAD_CHECKS: Record<TrainingEventType, (e: Json) => boolean> = {
  status: (e) => typeof e.status === 'string' && RUN_STATES.has(e.status),
  // A non-finite loss arrives as null (JSON has no NaN); the reducer draws it as a gap.
  step: (e) => isNumber(e.epoch) && isNumber(e.step) && (isNumber(e.loss) || e.loss === null),
  epoch: (e) => isNumber(e.epoch) && isNumberRecord(e.train) && (e.val === undefined || isNumberRecord(e.val)),
  evaluation: (e) => isObject(e.metrics),
  confusion_matrix: (e) => typeof e.split === 'string' && Array.isArray(e.labels) && isMatrix(e.matrix),
  activations: (e) => isObject(e.nodes),
  weights: (e) => isObject(e.nodes),
  gradients: (e) => isObject(e.nodes),
  decision_boundary: (e) => isPair(e.x_range) && isPair(e.y_range) && isMatrix(e.grid),
  samples: (e) => Array.isArray(e.items),
  diagnostic: (e) => typeof e.message === 'string',
}

/**
 * Parse one websocket message (text or an already-decoded object) into a `TrainingEvent`.
 * Returns `null` for anything that is not a well-formed event of a known type.
 *
 * @example parseEvent('{"seq":1,"run_id":"r","time":0,"type":"status","status":"running"}')?.type // 'status'
 */
export function parseEvent(data: unknown): TrainingEvent | null {
  let value: unknown = data
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data)
    } catch {
      return null
    }
  }
  if (!isObject(value)) return null
  const { seq, run_id: runId, time, type } = value
  if (!isNumber(seq) || !Number.isInteger(seq) || seq < 1) return null
  if (typeof runId !== 'string' || !isNumber(time) || typeof type !== 'string') return null
  if (!Object.hasOwn(PAYLOAD_CHECKS, type)) return null
  const check = PAYLOAD_CHECKS[type as TrainingEventType]
  if (!check(value)) return null
  // Fill in what the server may leave out, so the types above hold.
  if (type === 'step' && value.loss === null) return { ...value, loss: Number.NaN } as unknown as StepEvent
  if (type === 'epoch' && value.val === undefined) return { ...value, val: {} } as unknown as EpochEvent
  if (type === 'evaluation' && value.split === undefined) return { ...value, split: 'test' } as unknown as EvaluationEvent
  if (type === 'decision_boundary' && value.points === undefined) {
    return { ...value, points: [] } as unknown as DecisionBoundaryEvent
  }
  return value as unknown as TrainingEvent
}

/** Parse a list (the body of `GET /api/runs/{id}/events`), dropping malformed entries. */
export function parseEvents(data: unknown): TrainingEvent[] {
  if (!Array.isArray(data)) return []
  const events: TrainingEvent[] = []
  for (const item of data) {
    const event = parseEvent(item)
    if (event) events.push(event)
  }
  return events
}
