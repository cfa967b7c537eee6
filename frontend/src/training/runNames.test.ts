import { describe, expect, it } from 'vitest'
import { runLabels, runTitle, shortRunId } from './runNames'

describe('run names', () => {
  it('uses the name, else the data set and short id', () => {
    expect(runTitle({ id: 'abcdef123456', name: 'Spiral MLP', dataset: 'spiral' })).toBe('Spiral MLP')
    expect(runTitle({ id: 'abcdef123456', name: null, dataset: 'spiral' })).toBe('spiral · abcdef')
    expect(shortRunId('abcdef123456')).toBe('abcdef')
  })

  it('adds the short id only where runs share a name', () => {
    const labels = runLabels([
      { id: 'aaaaaa111', name: 'Spiral MLP', dataset: 'spiral' },
      { id: 'bbbbbb222', name: 'Spiral MLP', dataset: 'spiral' },
      { id: 'cccccc333', name: 'MNIST MLP', dataset: 'mnist' },
    ])
    expect(labels.get('aaaaaa111')).toEqual({ title: 'Spiral MLP', shared: true, label: 'Spiral MLP (aaaaaa)' })
    expect(labels.get('bbbbbb222')?.label).toBe('Spiral MLP (bbbbbb)')
    expect(labels.get('cccccc333')).toEqual({ title: 'MNIST MLP', shared: false, label: 'MNIST MLP' })
  })
})
