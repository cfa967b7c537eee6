/**
 * Accessible names for the canvas's nodes. React Flow makes every node a focusable
 * `role="group"` (Tab reaches it, Enter selects it, Delete removes it) but names it only
 * from `node.ariaLabel`: without one a screen reader hears "node, group" and nothing else.
 *
 * The store's nodes stay as they are (undo, saving and sharing never see the name); the
 * canvas gets named copies, cached per node object so an unchanged node keeps its identity
 * (React Flow re-renders a node only when its object changes).
 */
import type { LayerNode } from '../graph/types'

/** "Dense dense_1", or the user's label instead of the id: the layer type, then the name. */
export function nodeAccessibleName(node: LayerNode): string {
  const name = node.data.label?.trim() || node.id
  return `${node.data.layerType} ${name}`
}

const named = new WeakMap<LayerNode, LayerNode>()

/** The nodes with `ariaLabel` set; the same object back for a node seen before. */
export function withAccessibleNames(nodes: LayerNode[]): LayerNode[] {
  return nodes.map((node) => {
    const cached = named.get(node)
    if (cached) return cached
    const ariaLabel = nodeAccessibleName(node)
    const result = node.ariaLabel === ariaLabel ? node : { ...node, ariaLabel }
    named.set(node, result)
    return result
  })
}
