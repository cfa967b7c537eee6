/**
 * How an edge shows the gradient flowing back through it: the RMS of the loss gradient with
 * respect to its source node's output (`output_grad_rms`), on a log scale relative to the
 * largest in the network at that step. Five powers of ten below the largest, an edge is a thin
 * faint grey line: a vanishing gradient fades visibly.
 */

/** Decades from the largest gradient to the faintest edge. */
export const DECADES = 5

export interface EdgeLook {
  /** 0 (vanished, ≥ DECADES below the largest) … 1 (the largest). */
  level: number
  width: number
  opacity: number
  color: string
}

export function edgeLook(rms: number, max: number): EdgeLook {
  const level = max > 0 && rms > 0 ? Math.max(0, Math.min(1, 1 + Math.log10(rms / max) / DECADES)) : 0
  return {
    level,
    width: 1 + 5 * level,
    opacity: 0.2 + 0.8 * level,
    color: level < 0.35 ? '#94a3b8' : level < 0.65 ? '#60a5fa' : '#2563eb',
  }
}

/** "3.2e-5", for the edge's tooltip. */
export function formatRms(v: number): string {
  return v.toExponential(1)
}
