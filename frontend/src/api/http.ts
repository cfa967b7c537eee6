/**
 * Typed fetch helpers for the non-run endpoints (layers, data sets, templates,
 * validation, projects). Every 4xx/5xx becomes an {@link ApiError} carrying the server's
 * `detail` and `errors` (the error body `{detail, code, errors: [GraphIssue…]}` of docs/contract.md §2.2).
 */
import { apiBase } from './config'
import type {
  DatasetInfo,
  DatasetRef,
  ErrorBody,
  GraphIssue,
  GraphSpec,
  LayerInfo,
  Project,
  ProjectCreate,
  ProjectSummary,
  Template,
  TrainConfig,
  ValidateResponse,
} from './types'

export class ApiError extends Error {
  readonly status: number
  readonly errors: GraphIssue[]

  constructor(status: number, detail: string, errors: GraphIssue[] = []) {
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.errors = errors
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as { detail?: unknown }).detail === 'string'
}

/** One JSON request; resolves to the parsed body (undefined for 204). */
export async function requestJson<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response
  try {
    response = await fetch(`${apiBase}${path}`, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'The LayerLab server does not answer. Is it running?')
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let parsed: unknown = undefined
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    if (isErrorBody(parsed)) throw new ApiError(response.status, parsed.detail, parsed.errors ?? [])
    throw new ApiError(response.status, `${method} ${path} failed: ${response.status} ${response.statusText}`)
  }
  return parsed as T
}

export const getLayers = (signal?: AbortSignal) => requestJson<LayerInfo[]>('GET', '/api/layers', undefined, signal)
export const getDatasets = (signal?: AbortSignal) => requestJson<DatasetInfo[]>('GET', '/api/datasets', undefined, signal)
export const getTemplates = (signal?: AbortSignal) => requestJson<Template[]>('GET', '/api/templates', undefined, signal)

/**
 * `POST /api/graphs/validate`: 200 with every problem listed, for any well-formed body; with
 * `training`, the cost estimate (and its memory limit) is for those settings.
 */
export const validateGraph = (
  graph: GraphSpec,
  dataset: DatasetRef | null,
  signal?: AbortSignal,
  training?: TrainConfig | null,
) => requestJson<ValidateResponse>('POST', '/api/graphs/validate', training ? { graph, dataset, training } : { graph, dataset }, signal)

/** A page of `GET /api/projects`: most recently updated first, without graphs (open one with `getProject`). */
export const listProjects = (offset = 0, limit = 50) =>
  requestJson<ProjectSummary[]>('GET', `/api/projects?offset=${offset}&limit=${limit}`)
export const getProject = (id: string) => requestJson<Project>('GET', `/api/projects/${encodeURIComponent(id)}`)
export const createProject = (body: ProjectCreate) => requestJson<Project>('POST', '/api/projects', body)
export const updateProject = (id: string, body: ProjectCreate) =>
  requestJson<Project>('PUT', `/api/projects/${encodeURIComponent(id)}`, body)
export const deleteProject = (id: string) => requestJson<void>('DELETE', `/api/projects/${encodeURIComponent(id)}`)
