/**
 * The inside-the-network payloads as the page reads them (docs/contract.md §4: activations,
 * weights, gradients, diagnostic). Written against the event models in
 * `backend/layerlab/training/events.py`; every field beyond the older `LayerStats` is optional,
 * so an older server's events still fold in.
 */

import type { LayerStats } from '../api/events'
import type { components } from '../api/client/schema'

/**
 * A compact array: `data` is base64 of uint8 values `q`, each standing for
 * `low + q / 255 * (high - low)`, row-major over `shape`.
 */
export type Quantized = components['schemas']['Quantized']

/** One node's statistics in an activations, weights or gradients event. */
export type InsideStats = LayerStats & {
  saturated_fraction?: number | null
  update_ratio?: number | null
  output_grad_rms?: number | null
  feature_maps_q?: Quantized | null
  plane_q?: Quantized | null
  omitted?: string | null
}

/** The validation (or training) example whose values an activations event carries. */
export interface ProbeInfo {
  split: string
  index: number
  label: number | null
  predicted: number | null
}

/** The plane grid of a 2-D data set (the decision boundary's grid). */
export interface PlaneInfo {
  x_range: [number, number]
  y_range: [number, number]
  resolution: number
}

/** The fields of a per-node event the inside views read. */
export interface InsideEvent {
  seq: number
  epoch?: number | null
  step?: number | null
  nodes: Record<string, InsideStats>
  probe?: ProbeInfo | null
  plane?: PlaneInfo | null
}
