/**
 * The cost estimate of a training step (`cost` of `POST /api/graphs/validate`) in plain words:
 * "≈ 1.2 GB memory · 3.4 GFLOP per step", and its breakdown. Bytes step by 1024, FLOPs by 1000,
 * exactly as the server writes them in its `too_much_memory` messages.
 */
import type { CostEstimate } from '../api/types'

export type { CostEstimate }

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']
const FLOP_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P']

/** One decimal below 10 ("1.2 GB"), none above ("340 MB"). */
function scaled(value: number, unit: string): string {
  return value < 9.95 ? `${value.toFixed(1)} ${unit}` : `${Math.round(value)} ${unit}`
}

/** `1536` → `1.5 KB`, `40 · 2³⁰` → `40 GB`, `512` → `512 B`. */
export function formatBytes(size: number): string {
  let value = size
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${size} B` : scaled(value, BYTE_UNITS[unit])
}

/** `3_400_000_000` → `3.4 GFLOP`, `850` → `850 FLOP`. */
export function formatFlops(flops: number): string {
  if (flops < 1000) return `${flops} FLOP`
  let exponent = Math.min(Math.floor(Math.log10(flops) / 3), FLOP_PREFIXES.length - 1)
  let value = flops / 1000 ** exponent
  if (value >= 999.5 && exponent < FLOP_PREFIXES.length - 1) {
    exponent += 1
    value /= 1000
  }
  return scaled(value, `${FLOP_PREFIXES[exponent]}FLOP`)
}

/** The one-line summary beside the total parameters: `≈ 1.2 GB memory · 3.4 GFLOP per step`. */
export function costSummary(cost: CostEstimate): string {
  return `≈ ${formatBytes(cost.total_bytes)} memory · ${formatFlops(cost.flops_per_step)} per step`
}

export interface CostPart {
  label: string
  value: string
}

/** What the memory is made of, biggest kinds first as the server counts them; zero parts left out. */
export function costBreakdown(cost: CostEstimate): CostPart[] {
  const parts: [string, number][] = [
    ['Parameters', cost.parameters_bytes],
    ['Gradients', cost.gradients_bytes],
    [`Optimizer state (${cost.optimizer})`, cost.optimizer_bytes],
    [`Activations (batch of ${cost.batch_size})`, cost.activations_bytes],
    ['Buffers', cost.buffers_bytes],
    ['Data set', cost.data_bytes],
  ]
  return [
    ...parts.filter(([, size]) => size > 0).map(([label, size]) => ({ label, value: formatBytes(size) })),
    { label: 'Compute per step', value: formatFlops(cost.flops_per_step) },
  ]
}

/** The breakdown as one tooltip text, with what the figure leaves out. */
export function costTooltip(cost: CostEstimate): string {
  const lines = costBreakdown(cost).map((part) => `${part.label}: ${part.value}`)
  const note = cost.complete ? '' : '\nSome layers have no shape yet: the real cost is higher.'
  return `Estimated for one training step${cost.mixed_precision ? ' (mixed precision)' : ''}:\n${lines.join('\n')}${note}`
}
