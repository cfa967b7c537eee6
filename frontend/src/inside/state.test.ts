import { describe, expect, it } from 'vitest'
import type { TrainingEvent } from '../api/events'
import { edgeLook } from './edgeGradient'
import {
  diagnosticsAt,
  epochAt,
  initActivations,
  initDiagnostics,
  initGradients,
  initProbe,
  initWeights,
  outputRmsAt,
  percentiles,
  reduceActivations,
  reduceDiagnostics,
  reduceGradients,
  reduceProbe,
  reduceWeights,
} from './state'
import { atStep } from './history'

const hist = { counts: [0, 10, 30, 10], edges: [-2, -1, 0, 1, 2] }

function ev(type: string, seq: number, step: number, epoch: number, nodes: Record<string, unknown>, extra: Record<string, unknown> = {}): TrainingEvent {
  return { seq, run_id: 'r', time: 0, type, step, epoch, nodes, ...extra } as unknown as TrainingEvent
}

describe('inside reducers', () => {
  it('fold activations into per-node histories and the run’s recorded steps', () => {
    let s = initActivations()
    s = reduceActivations(s, ev('activations', 1, 1, 1, { dense_1: { mean: 0.1, std: 1, min: -2, max: 2, dead_fraction: 0.38, histogram: hist } }))
    s = reduceActivations(s, ev('activations', 4, 9, 2, { dense_1: { mean: 0.3, std: 1, saturated_fraction: 0.2 }, out: { mean: 0, std: 0 } }))
    // other event types leave it alone
    s = reduceActivations(s, ev('weights', 5, 9, 2, { dense_1: { mean: 99, std: 0 } }))
    expect(s.steps.steps).toEqual([1, 9])
    expect(s.steps.items).toEqual([1, 2])
    expect(s.nodes.dense_1.steps).toEqual([1, 9])
    expect(atStep(s.nodes.dense_1, 5)).toMatchObject({ step: 1, dead: 0.38, histogram: hist, saturated: null })
    expect(atStep(s.nodes.dense_1, null)).toMatchObject({ step: 9, mean: 0.3, saturated: 0.2, histogram: null })
    expect(atStep(s.nodes.out, 5)).toBeUndefined()
    expect(epochAt(s, 8)).toBe(1)
    expect(epochAt(s, null)).toBe(2)
  })

  it('keep the probe sample’s values, maps and neuron planes, with the probe and plane info', () => {
    let s = initProbe()
    const q = { shape: [2, 2, 2], low: 0, high: 1, data: 'AAAAAAAAAAA=' }
    s = reduceProbe(
      s,
      ev('activations', 1, 3, 1, { d: { mean: 0, std: 0, values: [1, -1], plane_q: q }, c: { mean: 0, std: 0, feature_maps_q: q }, bare: { mean: 0, std: 0 } }, {
        probe: { split: 'val', index: 0, label: 1, predicted: 0 },
        plane: { x_range: [-1, 1], y_range: [-1, 1], resolution: 2 },
      }),
    )
    expect(atStep(s.nodes.d, null)).toMatchObject({ values: [1, -1], plane: q, maps: null })
    expect(atStep(s.nodes.c, 3)).toMatchObject({ maps: q, values: null })
    expect(s.nodes.bare).toBeUndefined()
    expect(atStep(s.info, 3)).toEqual({ split: 'val', index: 0, label: 1, predicted: 0 })
    expect(s.plane?.resolution).toBe(2)
  })

  it('fold weights (update ratio) and gradients (output-gradient RMS)', () => {
    const w = reduceWeights(initWeights(), ev('weights', 2, 3, 1, { d: { mean: 0, std: 0.1, norm: 4, histogram: hist, update_ratio: 0.002 } }))
    expect(atStep(w.nodes.d, null)).toMatchObject({ norm: 4, updateRatio: 0.002, histogram: hist })
    let g = initGradients()
    g = reduceGradients(g, ev('gradients', 3, 3, 1, { a: { mean: 0, std: 0, norm: 0.5, output_grad_rms: 1e-2 }, b: { mean: 0, std: 0, output_grad_rms: 1e-7 } }))
    g = reduceGradients(g, ev('gradients', 6, 7, 1, { a: { mean: 0, std: 0, norm: 0.4, output_grad_rms: 1e-3 }, b: { mean: 0, std: 0, output_grad_rms: 1e-3 } }))
    expect(outputRmsAt(g, 5)).toEqual({ byNode: { a: 1e-2, b: 1e-7 }, max: 1e-2 })
    expect(outputRmsAt(g, null).byNode.b).toBe(1e-3)
    expect(outputRmsAt(undefined, null)).toEqual({ byNode: {}, max: 0 })
  })

  it('list diagnostics by node, once per kind, and only those of shown epochs when scrubbed', () => {
    let s = initDiagnostics()
    const diag = (seq: number, kind: string, node: string | null, epoch: number) =>
      ({ seq, run_id: 'r', time: 0, type: 'diagnostic', kind, node_id: node, message: `${kind} m`, hint: 'h', epoch }) as unknown as TrainingEvent
    s = reduceDiagnostics(s, diag(1, 'vanishing_gradients', 'dense_1', 1))
    s = reduceDiagnostics(s, diag(2, 'dead_units', 'dense_1', 3))
    s = reduceDiagnostics(s, diag(3, 'overfitting', null, 4))
    s = reduceDiagnostics(s, diag(4, 'vanishing_gradients', 'dense_1', 1))
    expect(s.all.map((d) => d.kind)).toEqual(['dead_units', 'overfitting', 'vanishing_gradients'])
    expect(s.byNode.dense_1.map((d) => d.kind)).toEqual(['dead_units', 'vanishing_gradients'])
    expect(diagnosticsAt(s.byNode.dense_1, 2, false).map((d) => d.kind)).toEqual(['vanishing_gradients'])
    expect(diagnosticsAt(s.byNode.dense_1, 2, true)).toHaveLength(2)
    expect(diagnosticsAt(undefined, 2, true)).toEqual([])
  })
})

describe('percentiles of a histogram', () => {
  it('interpolate within bins', () => {
    const p = percentiles(hist, [0, 50, 100]) as number[]
    // 50 values: 10 in [-1, 0), 30 in [0, 1), 10 in [1, 2]; the 25th is halfway into [0, 1)
    expect(p[0]).toBe(-1)
    expect(p[1]).toBeCloseTo(0.5, 5)
    expect(p[2]).toBe(2)
    expect(percentiles({ counts: [0, 0], edges: [0, 1, 2] })).toBeNull()
  })
})

describe('an edge’s look', () => {
  it('is widest for the largest gradient and fades to grey five decades below', () => {
    const top = edgeLook(1e-2, 1e-2)
    const mid = edgeLook(1e-4, 1e-2)
    const gone = edgeLook(1e-9, 1e-2)
    expect(top.level).toBe(1)
    expect(mid.level).toBeCloseTo(0.6, 5)
    expect(gone.level).toBe(0)
    expect(top.width).toBeGreaterThan(mid.width)
    expect(mid.width).toBeGreaterThan(gone.width)
    expect(gone.opacity).toBeLessThan(top.opacity)
    expect(gone.color).toBe('#94a3b8')
  })
})
