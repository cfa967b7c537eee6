/** The palette's search: which layers a query shows, and which one Enter adds. */
import type { LayerInfo } from '../api/types'

/** The search box's accessible name (the "/" shortcut finds the box by it). */
export const LAYER_SEARCH_LABEL = 'Search layers'

/** A layer is shown when the query is in its type, its category or its one-line description. */
export function matches(layer: LayerInfo, query: string): boolean {
  if (!query) return true
  const q = query.toLowerCase()
  return (
    layer.type.toLowerCase().includes(q) ||
    layer.category.toLowerCase().includes(q) ||
    layer.description.toLowerCase().includes(q)
  )
}

/**
 * The layer Enter adds for `query`: the type named exactly, else the first type starting with
 * it, else the first type containing it, else the first layer shown; null when none matches.
 * "dense" → Dense (not Flatten, whose description mentions Dense); "conv" → Conv2D.
 */
export function bestMatch(layers: readonly LayerInfo[], query: string): LayerInfo | null {
  const q = query.trim().toLowerCase()
  if (!q) return null
  const type = (layer: LayerInfo) => layer.type.toLowerCase()
  return (
    layers.find((l) => type(l) === q) ??
    layers.find((l) => type(l).startsWith(q)) ??
    layers.find((l) => type(l).includes(q)) ??
    layers.find((l) => matches(l, q)) ??
    null
  )
}
