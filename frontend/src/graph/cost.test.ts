import { describe, expect, it } from 'vitest'
import { costBreakdown, costSummary, costTooltip, formatBytes, formatFlops, type CostEstimate } from './cost'

const cost: CostEstimate = {
  batch_size: 64,
  optimizer: 'adam',
  mixed_precision: false,
  parameters_bytes: 490_280,
  gradients_bytes: 490_280,
  optimizer_bytes: 980_560,
  activations_bytes: 18_510_848,
  buffers_bytes: 0,
  data_bytes: 737_760_000,
  total_bytes: 758_231_968,
  flops_per_step: 3_400_000_000,
  forward_flops_per_sample: 17_708_333,
  complete: true,
  nodes: {},
}

describe('formatBytes', () => {
  it('steps by 1024 with one decimal below ten', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(10 * 2 ** 20)).toBe('10 MB')
    expect(formatBytes(Math.floor(1.24 * 2 ** 30))).toBe('1.2 GB')
    expect(formatBytes(40 * 2 ** 30)).toBe('40 GB')
  })
})

describe('formatFlops', () => {
  it('steps by 1000 and rounds up into the next prefix', () => {
    expect(formatFlops(850)).toBe('850 FLOP')
    expect(formatFlops(3_400_000)).toBe('3.4 MFLOP')
    expect(formatFlops(999_600_000)).toBe('1.0 GFLOP')
    expect(formatFlops(120e9)).toBe('120 GFLOP')
  })
})

describe('costSummary', () => {
  it('says memory and compute in one line', () => {
    expect(costSummary(cost)).toBe('≈ 723 MB memory · 3.4 GFLOP per step')
  })
})

describe('costBreakdown', () => {
  it('lists the non-zero parts with the optimizer and batch named', () => {
    expect(costBreakdown(cost)).toEqual([
      { label: 'Parameters', value: '479 KB' },
      { label: 'Gradients', value: '479 KB' },
      { label: 'Optimizer state (adam)', value: '958 KB' },
      { label: 'Activations (batch of 64)', value: '18 MB' },
      { label: 'Data set', value: '704 MB' },
      { label: 'Compute per step', value: '3.4 GFLOP' },
    ])
  })

  it('warns in the tooltip when some shapes are unknown', () => {
    expect(costTooltip(cost)).not.toContain('higher')
    expect(costTooltip({ ...cost, complete: false, mixed_precision: true })).toMatch(/mixed precision[\s\S]*higher/)
  })
})
