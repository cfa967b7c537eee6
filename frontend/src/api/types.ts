/**
 * Wire types of the non-run API, named for the app. All are aliases of the types
 * generated from the server's OpenAPI schema (`make client` → `client/schema.d.ts`);
 * nothing here is written twice. JSON keys stay snake_case.
 */
import type { components } from './client/schema'

type Schemas = components['schemas']

export type GraphSpec = Schemas['GraphSpec']
export type NodeSpec = Schemas['NodeSpec']
export type EdgeSpec = Schemas['EdgeSpec']
export type Position = Schemas['Position']
/** A layer param as the graph JSON carries it. */
export type ParamValue = NonNullable<NodeSpec['params']>[string]

export type GraphIssue = Schemas['GraphIssue']
export type NodeReport = Schemas['NodeInfo']
/** `POST /api/graphs/validate`. */
export type ValidateRequest = Schemas['ValidateRequest']
export type ValidateResponse = Schemas['ValidateResponse']
/** The estimate of one training step's memory and FLOPs in a validation answer. */
export type CostEstimate = Schemas['CostEstimate']

/** One entry of `GET /api/layers` (the palette). */
export type LayerInfo = Schemas['LayerInfo']

export type DatasetRef = Schemas['DatasetRef']
export type DatasetParam = NonNullable<DatasetRef['params']>[string]
export type DatasetInfo = Schemas['DatasetInfo']

/** The `training` object of a run (every key optional on the way in). */
export type TrainConfig = Schemas['TrainConfig']
export type Template = Schemas['Template']
export type Project = Schemas['Project']
export type ProjectCreate = Schemas['ProjectIn']
/** One entry of `GET /api/projects` (no graph: open the project to get it). */
export type ProjectSummary = Schemas['ProjectSummary']
/** `GET /api/health`: `ok`, or `degraded` with the reason. */
export type Health = Schemas['Health']
/** Every 4xx body: `{"detail", "code", "errors": [GraphIssue…]}`. */
export type ErrorBody = Schemas['ErrorResponse']

/**
 * A JSON Schema fragment as pydantic publishes it in `params_schema` (only the keys the
 * generated forms read). OpenAPI types `params_schema` as an open object; this is its shape.
 */
export interface JsonSchema {
  type?: string | string[]
  title?: string
  description?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema | JsonSchema[]
  prefixItems?: JsonSchema[]
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $ref?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  $defs?: Record<string, JsonSchema>
  [key: string]: unknown
}
