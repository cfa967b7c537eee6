/**
 * The editor's graph vocabulary on top of React Flow's Node/Edge.
 *
 * A **layer type** (`Dense`) is a registry entry; a **node** (`dense_2`) is an instance of
 * it on the canvas. React Flow's own `type` is always `'layer'` (one generic node
 * component); the layer type lives in `data.layerType`.
 */
import type { Edge, Node } from '@xyflow/react'
import type { ParamValue } from '../api/types'

export type LayerNodeData = {
  /** The registry's layer type, e.g. `Dense`. */
  layerType: string
  /** A user's name for the node; the id is shown when it is empty. */
  label: string | null
  /** Params set on this node; missing ones take the layer's defaults. */
  params: Record<string, ParamValue>
}

export type LayerNode = Node<LayerNodeData, 'layer'>

export type ShapeEdgeData = {
  /** Order of this input on a merge node (`Concat`). */
  targetPort?: number | null
}

export type ShapeEdge = Edge<ShapeEdgeData, 'shape'>

/** What undo/redo and copy/paste store: the canvas without transient UI state. */
export interface GraphSnapshot {
  nodes: LayerNode[]
  edges: ShapeEdge[]
}
