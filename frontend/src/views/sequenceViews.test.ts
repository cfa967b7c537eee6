import { describe, expect, it } from 'vitest'
import type { TrainingEvent } from '../api/events'
import { inferTask, testMetrics } from '../training/reduceEvents'
import { headWeights, upperMass } from './attention'
import { parseForecast, reduceForecast, type ForecastState } from './forecast'
import { initText, KEEP_ATTENTION, reduceText } from './textSamples'

const base = { run_id: 'r', time: 0 }

function q(values: number[], shape: number[]) {
  // Quantized over [0, 1]: byte = round(v * 255).
  const bytes = String.fromCharCode(...values.map((v) => Math.round(v * 255)))
  return { shape, low: 0, high: 1, data: btoa(bytes) }
}

const map = { node_id: 'enc', num_heads: 2, tokens: ['a', 'b'], weights: q([1, 0, 0.5, 0.5, 1, 0, 0, 1], [2, 2, 2]) }

function textEvent(seq: number, step: number, attention: unknown[] = [map]): TrainingEvent {
  return {
    ...base,
    seq,
    type: 'samples',
    kind: 'text',
    epoch: 1,
    items: [{ prompt: 'RO', text: `text ${step}`, temperature: 0.8, length: 200, step, attention }],
  } as unknown as TrainingEvent
}

describe('text samples', () => {
  it('appends each sample and keeps the attention of the newest few only', () => {
    let state = initText()
    for (let i = 1; i <= 6; i += 1) state = reduceText(state, textEvent(i, i * 10))
    expect(state.samples.map((s) => s.text)).toEqual(['text 10', 'text 20', 'text 30', 'text 40', 'text 50', 'text 60'])
    expect(state.samples.map((s) => s.attention.length)).toEqual([0, 0, 0, ...Array(KEEP_ATTENTION).fill(1)])
    expect(state.samples[5]).toMatchObject({ prompt: 'RO', temperature: 0.8, length: 200, step: 60, epoch: 1 })
  })

  it('ignores forecast samples and malformed items, and follows whether the run is live', () => {
    let state = initText()
    state = reduceText(state, { ...base, seq: 1, type: 'status', status: 'running' } as TrainingEvent)
    expect(state.live).toBe(true)
    state = reduceText(state, { ...base, seq: 2, type: 'samples', kind: 'forecast', items: [{ actual: [1] }] } as unknown as TrainingEvent)
    state = reduceText(state, { ...base, seq: 3, type: 'samples', kind: 'text', items: [{ prompt: 'x' }] } as unknown as TrainingEvent)
    expect(state.samples).toHaveLength(0)
    state = reduceText(state, { ...base, seq: 4, type: 'status', status: 'completed' } as TrainingEvent)
    expect(state.live).toBe(false)
  })
})

describe('attention maps', () => {
  it('picks one head or the mean over heads, and measures what lies above the diagonal', () => {
    const head0 = headWeights(map, 0)
    expect(head0.size).toBe(2)
    expect(Array.from(head0.values).map((v) => Math.round(v * 100) / 100)).toEqual([1, 0, 0.5, 0.5])
    const mean = headWeights(map, -1)
    expect(Array.from(mean.values).map((v) => Math.round(v * 100) / 100)).toEqual([1, 0, 0.25, 0.75])
    expect(upperMass(head0.values, 2)).toBe(0)
    expect(upperMass(new Float32Array([0.5, 0.5, 0, 1]), 2)).toBe(0.5)
  })
})

describe('forecast', () => {
  it('puts context before the validation range and the predictions over it', () => {
    const sample = parseForecast({ context: [1, 2], actual: [3, 4, 5], one_step: [3.1, 3.9, 5.2], rollout: [3, 3.5, 4] }, 2)
    expect(sample.x).toEqual([-2, -1, 0, 1, 2])
    expect(sample.context.slice(0, 2)).toEqual([1, 2])
    expect(sample.actual.slice(2)).toEqual([3, 4, 5])
    expect(Number.isNaN(sample.actual[0]) && Number.isNaN(sample.oneStep[1])).toBe(true)
    expect(sample.rollout.slice(2)).toEqual([3, 3.5, 4])
  })

  it('keeps one forecast per epoch for the scrubber', () => {
    let state: ForecastState = { stepsPerEpoch: null, step: 0, history: [] }
    state = reduceForecast(state, { ...base, seq: 1, type: 'status', status: 'running', steps_per_epoch: 10 } as TrainingEvent)
    for (const epoch of [1, 2]) {
      state = reduceForecast(state, { ...base, seq: 1 + epoch, type: 'samples', kind: 'forecast', epoch, items: [{ context: [0], actual: [1], one_step: [1], rollout: [1], epoch }] } as unknown as TrainingEvent)
    }
    expect(state.history.map((h) => h.step)).toEqual([10, 20])
  })
})

describe('tasks and metrics of sequences and text', () => {
  it('tells a language model and a forecast from their metrics', () => {
    expect(inferTask({ loss: 2, perplexity: 7, bits_per_char: 2.8 })).toBe('language_model')
    expect(inferTask({ mae: 0.3, naive_mae: 0.6, r2: 0.9 })).toBe('forecast')
    expect(inferTask({ mae: 0.3, r2: 0.9 })).toBe('regression')
  })

  it('lists a language model’s and a forecast’s test metrics', () => {
    const lm = testMetrics({ ...base, seq: 9, type: 'evaluation', split: 'test', metrics: { loss: 1.7, perplexity: 5.5, bits_per_char: 2.45 } } as never)
    expect(lm.map((m) => m.key)).toEqual(['bits_per_char', 'perplexity', 'loss'])
    const fc = testMetrics({ ...base, seq: 9, type: 'evaluation', split: 'test', metrics: { mae: 0.36, naive_mae: 0.66, r2: 0.9 } } as never)
    expect(fc.map((m) => m.key)).toEqual(['mae', 'naive_mae', 'r2'])
  })
})
