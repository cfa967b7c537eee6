/**
 * What the inside views keep of a run: per node, a bounded history of the activations, weights
 * and gradients snapshots (see `history.ts`), the probe sample's values, and the diagnostics by
 * node. Pure reducers, each mutating and returning its state (the view registry's rule: append,
 * no copies of history).
 */

import type { DiagnosticEvent, Histogram, TrainingEvent } from '../api/events'
import { appendTo, atStep, emptyTrack, append, stepOf, type Track, type Tracks } from './history'
import type { InsideEvent, InsideStats, PlaneInfo, ProbeInfo, Quantized } from './types'

/** Probe payloads are bigger (maps, neuron planes): fewer of them are kept. */
export const MAX_PROBE_SNAPSHOTS = 60

export interface ActivationSnap {
  step: number
  epoch: number | null
  mean: number
  std: number
  min: number | null
  max: number | null
  /** Fraction of units that are zero on every monitor example (ReLU-like nodes). */
  dead: number | null
  /** Fraction of outputs stuck at the ends of a sigmoid/tanh. */
  saturated: number | null
  histogram: Histogram | null
  omitted: string | null
}

export interface ActivationsState {
  /** The run's recorded snapshot steps (what the scrubber moves over), with their epochs. */
  steps: Track<number | null>
  nodes: Tracks<ActivationSnap>
}

export interface ProbeSnap {
  step: number
  /** The probe sample's vector (dense nodes). */
  values: number[] | null
  /** The probe sample's feature maps, (channels, height, width) (convolution nodes). */
  maps: Quantized | null
  /** Each unit over the plane, (units, R, R) (2-D data sets). */
  plane: Quantized | null
  omitted: string | null
}

export interface ProbeState {
  nodes: Tracks<ProbeSnap>
  info: Track<ProbeInfo | null>
  plane: PlaneInfo | null
}

export interface WeightSnap {
  step: number
  mean: number
  std: number
  norm: number | null
  histogram: Histogram | null
  /** ‖w_t − w_{t−1}‖ / ‖w_{t−1}‖ of the step reported. */
  updateRatio: number | null
}

export interface WeightsState {
  nodes: Tracks<WeightSnap>
}

export interface GradientSnap {
  step: number
  mean: number
  std: number
  /** Norm of the node's parameter gradients (null for nodes without parameters). */
  norm: number | null
  histogram: Histogram | null
  /** RMS of the loss gradient with respect to the node's output: what flows back along its incoming edges. */
  outputRms: number | null
}

export interface GradientsState {
  nodes: Tracks<GradientSnap>
}

export interface Diagnostic {
  kind: string
  nodeId: string | null
  message: string
  hint: string | null
  epoch: number | null
  seq: number
}

export interface DiagnosticsState {
  all: Diagnostic[]
  byNode: Record<string, Diagnostic[]>
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function perNode(event: TrainingEvent): InsideEvent | null {
  if (event.type !== 'activations' && event.type !== 'weights' && event.type !== 'gradients') return null
  return event as unknown as InsideEvent
}

export function initActivations(): ActivationsState {
  return { steps: emptyTrack(), nodes: {} }
}

export function reduceActivations(state: ActivationsState, event: TrainingEvent): ActivationsState {
  const e = perNode(event)
  if (!e || event.type !== 'activations') return state
  const step = stepOf(e)
  const epoch = num(e.epoch)
  append(state.steps, step, epoch)
  for (const [id, s] of Object.entries(e.nodes) as [string, InsideStats][]) {
    appendTo(state.nodes, id, step, {
      step,
      epoch,
      mean: s.mean,
      std: s.std,
      min: num(s.min),
      max: num(s.max),
      dead: num(s.dead_fraction),
      saturated: num(s.saturated_fraction),
      histogram: s.histogram ?? null,
      omitted: s.omitted ?? null,
    })
  }
  return state
}

export function initProbe(): ProbeState {
  return { nodes: {}, info: emptyTrack(), plane: null }
}

export function reduceProbe(state: ProbeState, event: TrainingEvent): ProbeState {
  const e = perNode(event)
  if (!e || event.type !== 'activations') return state
  const step = stepOf(e)
  append(state.info, step, e.probe ?? null, MAX_PROBE_SNAPSHOTS)
  if (e.plane) state.plane = e.plane
  for (const [id, s] of Object.entries(e.nodes) as [string, InsideStats][]) {
    const values = s.values ?? null
    const maps = s.feature_maps_q ?? null
    const plane = s.plane_q ?? null
    if (!values && !maps && !plane && !s.omitted) continue
    appendTo(state.nodes, id, step, { step, values, maps, plane, omitted: s.omitted ?? null }, MAX_PROBE_SNAPSHOTS)
  }
  return state
}

export function initWeights(): WeightsState {
  return { nodes: {} }
}

export function reduceWeights(state: WeightsState, event: TrainingEvent): WeightsState {
  const e = perNode(event)
  if (!e || event.type !== 'weights') return state
  const step = stepOf(e)
  for (const [id, s] of Object.entries(e.nodes) as [string, InsideStats][]) {
    appendTo(state.nodes, id, step, {
      step,
      mean: s.mean,
      std: s.std,
      norm: num(s.norm),
      histogram: s.histogram ?? null,
      updateRatio: num(s.update_ratio),
    })
  }
  return state
}

export function initGradients(): GradientsState {
  return { nodes: {} }
}

export function reduceGradients(state: GradientsState, event: TrainingEvent): GradientsState {
  const e = perNode(event)
  if (!e || event.type !== 'gradients') return state
  const step = stepOf(e)
  for (const [id, s] of Object.entries(e.nodes) as [string, InsideStats][]) {
    appendTo(state.nodes, id, step, {
      step,
      mean: s.mean,
      std: s.std,
      norm: num(s.norm),
      histogram: s.histogram ?? null,
      outputRms: num(s.output_grad_rms),
    })
  }
  return state
}

export function initDiagnostics(): DiagnosticsState {
  return { all: [], byNode: {} }
}

/** Each (kind, node) once: a repeat replaces the first (the server sends each at most once anyway). */
export function reduceDiagnostics(state: DiagnosticsState, event: TrainingEvent): DiagnosticsState {
  if (event.type !== 'diagnostic') return state
  const e = event as DiagnosticEvent
  const d: Diagnostic = {
    kind: e.kind,
    nodeId: e.node_id ?? null,
    message: e.message,
    hint: e.hint ?? null,
    epoch: num(e.epoch),
    seq: e.seq,
  }
  const same = (x: Diagnostic) => x.kind === d.kind && x.nodeId === d.nodeId
  state.all = [...state.all.filter((x) => !same(x)), d]
  if (d.nodeId !== null) state.byNode[d.nodeId] = [...(state.byNode[d.nodeId] ?? []).filter((x) => !same(x)), d]
  return state
}

/**
 * The diagnostics to show at a scrub position: all of them live; when scrubbed, those of the
 * epochs up to the shown snapshot's epoch (a warning from later in the run is not shown earlier).
 */
export function diagnosticsAt(list: readonly Diagnostic[] | undefined, epoch: number | null, live: boolean): Diagnostic[] {
  if (!list) return []
  if (live || epoch === null) return list.slice()
  return list.filter((d) => d.epoch === null || d.epoch <= epoch)
}

/** The epoch of the snapshot at or before `step` (null when none or not known). */
export function epochAt(state: ActivationsState | undefined, step: number | null): number | null {
  return atStep(state?.steps, step) ?? null
}

/** Every node's output-gradient RMS at a step, and the largest (for drawing edges relative to it). */
export function outputRmsAt(state: GradientsState | undefined, step: number | null): { byNode: Record<string, number>; max: number } {
  const byNode: Record<string, number> = {}
  let max = 0
  if (!state) return { byNode, max }
  for (const [id, track] of Object.entries(state.nodes)) {
    const rms = atStep(track, step)?.outputRms
    if (rms == null) continue
    byNode[id] = rms
    if (rms > max) max = rms
  }
  return { byNode, max }
}

/** TensorBoard's distribution bands: the percentiles at 0, ±1.5σ, ±1σ, ±0.5σ and the median of a normal. */
export const BAND_PERCENTILES = [0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100] as const

/**
 * Percentiles (0–100) of the values a histogram counts, interpolating linearly within a bin.
 * Returns null for an empty histogram.
 */
export function percentiles(h: Histogram, ps: readonly number[] = BAND_PERCENTILES): number[] | null {
  const total = h.counts.reduce((a, b) => a + b, 0)
  if (total <= 0 || h.edges.length !== h.counts.length + 1) return null
  const out: number[] = []
  for (const p of ps) {
    const target = (p / 100) * total
    let seen = 0
    let value = h.edges[h.edges.length - 1]
    if (p <= 0) {
      const first = h.counts.findIndex((c) => c > 0)
      out.push(h.edges[first])
      continue
    }
    for (let i = 0; i < h.counts.length; i += 1) {
      const c = h.counts[i]
      if (c > 0 && seen + c >= target) {
        const within = (target - seen) / c
        value = h.edges[i] + within * (h.edges[i + 1] - h.edges[i])
        break
      }
      seen += c
    }
    out.push(value)
  }
  return out
}
