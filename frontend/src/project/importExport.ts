/**
 * Import/export of designs as JSON files. An exported file is
 * `{"layerlab": 1, "name", "graph", "dataset", "training"}`; import also accepts a bare
 * graph JSON (`{"version": 1, "nodes", "edges"}`) or a saved project.
 */
import type { DatasetRef, GraphSpec, TrainConfig } from '../api/types'
import type { Design } from '../store/editorStore'

export interface DesignFile {
  layerlab: 1
  name: string | null
  graph: GraphSpec
  dataset: DatasetRef | null
  training: TrainConfig | null
}

export function toDesignFile(design: Design): DesignFile {
  return {
    layerlab: 1,
    name: design.name ?? null,
    graph: design.graph,
    dataset: design.dataset ?? null,
    training: design.training ?? null,
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isGraph(value: unknown): value is GraphSpec {
  return isObject(value) && Array.isArray(value.nodes) && (value.edges === undefined || Array.isArray(value.edges))
}

function datasetOf(value: unknown): DatasetRef | null {
  if (typeof value === 'string' && value) return { name: value }
  if (isObject(value) && typeof value.name === 'string') return value as unknown as DatasetRef
  return null
}

/**
 * The design in an imported file's text. Throws an Error with a plain message when the
 * file is not JSON or holds no graph.
 */
export function parseDesignFile(text: string, fileName = 'the file'): Design {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`${fileName} is not JSON.`)
  }
  if (isGraph(value)) return { graph: value, name: null }
  if (isObject(value) && isGraph(value.graph)) {
    return {
      graph: value.graph,
      dataset: datasetOf(value.dataset),
      training: isObject(value.training) ? (value.training as TrainConfig) : null,
      name: typeof value.name === 'string' ? value.name : null,
    }
  }
  throw new Error(`${fileName} holds no LayerLab graph: expected {"nodes": [...], "edges": [...]} or {"graph": {...}}.`)
}

/** A file name for a design: `My MLP` → `my-mlp.layerlab.json`. */
export function designFileName(name: string | null | undefined): string {
  const slug = (name ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
  return `${slug || 'network'}.layerlab.json`
}

/** Start a download of `text` as `fileName` (browser only). */
export function downloadText(text: string, fileName: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 1000)
}
