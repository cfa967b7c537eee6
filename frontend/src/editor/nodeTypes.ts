/** React Flow's node and edge types, defined once at module level (never inside a component). */
import type { EdgeTypes, NodeTypes } from '@xyflow/react'
import { LayerNode } from './LayerNode'
import { ShapeEdge } from './ShapeEdge'

export const nodeTypes: NodeTypes = { layer: LayerNode }
export const edgeTypes: EdgeTypes = { shape: ShapeEdge }
