/** Readable, unique node and edge ids: `dense_1`, `dense_2`, `e_in_f`. */

/** The id prefix of a layer type: `Dense` → `dense`, `MaxPool2D` → `maxpool2d`, `LeakyReLU` → `leakyrelu`. */
export function idPrefix(layerType: string): string {
  const prefix = layerType.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')
  return prefix || 'node'
}

/**
 * The first free id `<prefix>_<n>` (n ≥ 1) for a new node of `layerType`.
 *
 * Example: `newNodeId('Dense', new Set(['dense_1']))` → `'dense_2'`.
 */
export function newNodeId(layerType: string, taken: ReadonlySet<string>): string {
  const prefix = idPrefix(layerType)
  for (let n = 1; ; n += 1) {
    const id = `${prefix}_${n}`
    if (!taken.has(id)) return id
  }
}

/** The id React Flow uses for the edge `source → target`. */
export function edgeId(source: string, target: string): string {
  return `e_${source}__${target}`
}
