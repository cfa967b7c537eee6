/**
 * Decoding `Quantized` arrays (base64 of uint8, see `types.ts`) into floats. Decoded arrays are
 * cached per payload object, so drawing the same snapshot again costs nothing.
 */

import type { Quantized } from './types'

export interface Decoded {
  shape: number[]
  values: Float32Array
  low: number
  high: number
}

function base64Bytes(data: string): Uint8Array {
  const text = atob(data)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i)
  return bytes
}

/**
 * `low + q / 255 * (high - low)` for every byte q, row-major over `shape`. A payload whose byte
 * count does not match its shape is cut or padded (with `low`) to the shape's size.
 *
 * @example decodeQuantized({ shape: [2], low: 0, high: 1, data: 'AP8=' }).values // Float32Array [0, 1]
 */
export function decodeQuantized(q: Quantized): Decoded {
  const bytes = base64Bytes(q.data)
  const size = q.shape.reduce((n, d) => n * d, 1)
  const values = new Float32Array(size)
  const scale = (q.high - q.low) / 255
  const n = Math.min(size, bytes.length)
  for (let i = 0; i < n; i += 1) values[i] = q.low + bytes[i] * scale
  for (let i = n; i < size; i += 1) values[i] = q.low
  return { shape: q.shape.slice(), values, low: q.low, high: q.high }
}

const cache = new WeakMap<Quantized, Decoded>()

/** `decodeQuantized`, once per payload object. */
export function decoded(q: Quantized): Decoded {
  let hit = cache.get(q)
  if (!hit) {
    hit = decodeQuantized(q)
    cache.set(q, hit)
  }
  return hit
}

/**
 * The maps of a decoded `(channels, height, width)` (or `(height, width)`) array: count and size.
 */
export function mapsOf(d: Decoded): { count: number; height: number; width: number } {
  const s = d.shape
  if (s.length >= 3) return { count: s[s.length - 3], height: s[s.length - 2], width: s[s.length - 1] }
  if (s.length === 2) return { count: 1, height: s[0], width: s[1] }
  return { count: 1, height: 1, width: s[0] ?? 0 }
}
