/**
 * React Flow nodes/edges ↔ graph JSON v1 (docs/contract.md §1).
 *
 * `toGraphSpec` writes what the server reads: id, type, params, label, position (rounded);
 * `fromGraphSpec` is its inverse and lays out nodes without positions.
 */
import type { EdgeSpec, GraphSpec, NodeSpec, ParamValue } from '../api/types'
import { edgeId } from './ids'
import { layoutGraph } from './layout'
import type { LayerNode, ShapeEdge } from './types'

function cleanParams(params: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {}
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue
    out[key] = value
  }
  return out
}

/**
 * The graph JSON of the canvas.
 *
 * Example: one Input wired to a Dense gives
 * `{version: 1, nodes: [{id: 'input_1', type: 'Input', ...}, ...], edges: [{source: 'input_1', target: 'dense_1'}]}`.
 */
export function toGraphSpec(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): GraphSpec {
  const nodeSpecs: NodeSpec[] = nodes.map((node) => {
    const spec: NodeSpec = { id: node.id, type: node.data.layerType }
    const params = cleanParams(node.data.params)
    if (Object.keys(params).length > 0) spec.params = params
    if (node.data.label) spec.label = node.data.label
    spec.position = { x: Math.round(node.position.x), y: Math.round(node.position.y) }
    return spec
  })
  const edgeSpecs: EdgeSpec[] = edges.map((edge) => {
    const spec: EdgeSpec = { source: edge.source, target: edge.target }
    const port = edge.data?.targetPort
    if (port !== undefined && port !== null) spec.target_port = port
    return spec
  })
  return { version: 1, nodes: nodeSpecs, edges: edgeSpecs }
}

/** The graph without positions: what validation and training depend on (a stable cache key). */
export function graphKey(spec: GraphSpec): string {
  return JSON.stringify({
    nodes: (spec.nodes ?? []).map((n) => [n.id, n.type, n.params ?? {}]),
    edges: (spec.edges ?? []).map((e) => [e.source, e.target, e.target_port ?? null]),
  })
}

/** Make a React Flow edge. */
export function makeEdge(source: string, target: string, targetPort?: number | null): ShapeEdge {
  const edge: ShapeEdge = { id: edgeId(source, target), source, target, type: 'shape' }
  if (targetPort !== undefined && targetPort !== null) edge.data = { targetPort }
  return edge
}

/**
 * Canvas nodes and edges from graph JSON. Nodes without `position` are placed by
 * {@link layoutGraph} (all of them, so a template without positions lays out cleanly), fitted
 * to `frame` (the canvas' size) when given; `relayout` places them all whatever positions they carry.
 */
export function fromGraphSpec(
  spec: GraphSpec,
  options: { frame?: { width: number; height: number }; relayout?: boolean } = {},
): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const specNodes = spec.nodes ?? []
  const specEdges = spec.edges ?? []
  let nodes: LayerNode[] = specNodes.map((n) => ({
    id: n.id,
    type: 'layer',
    position: n.position ? { x: n.position.x, y: n.position.y } : { x: 0, y: 0 },
    data: { layerType: n.type, label: n.label ?? null, params: { ...(n.params ?? {}) } },
  }))
  const edges: ShapeEdge[] = specEdges.map((e) => makeEdge(e.source, e.target, e.target_port))
  if (options.relayout || specNodes.some((n) => !n.position)) nodes = layoutGraph(nodes, edges, { frame: options.frame })
  return { nodes, edges }
}
