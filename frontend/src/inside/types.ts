/**
 * The inside-the-network payloads as the page reads them (docs/contract.md §4: activations,
 * weights, gradients, diagnostic): the generated event models of
 * `backend/layerlab/training/events.py`.
 */

import type { components } from '../api/client/schema'

type Schemas = components['schemas']

/**
 * A compact array: `data` is base64 of uint8 values `q`, each standing for
 * `low + q / 255 * (high - low)`, row-major over `shape`.
 */
export type Quantized = Schemas['Quantized']

/** One node's statistics in an activations, weights or gradients event. */
export type InsideStats = Schemas['LayerStats']

/** The validation (or training) example whose values an activations event carries. */
export type ProbeInfo = Schemas['ProbeSample']

/** The plane grid of a 2-D data set (the decision boundary's grid). */
export type PlaneInfo = Schemas['PlaneGrid']

/** The fields of a per-node event the inside views read. */
export interface InsideEvent {
  seq: number
  epoch?: number | null
  step?: number | null
  nodes: Record<string, InsideStats>
  probe?: ProbeInfo | null
  plane?: PlaneInfo | null
}
