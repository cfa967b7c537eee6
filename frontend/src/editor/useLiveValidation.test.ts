import { describe, expect, it } from 'vitest'
import { costTraining } from './useLiveValidation'

describe('costTraining', () => {
  it('keeps only the settings the cost estimate and output check read', () => {
    expect(
      costTraining({ epochs: 5, batch_size: 64, optimizer: 'sgd', momentum: 0, nesterov: false, learning_rate: 0.1, loss: 'auto' }),
    ).toEqual({ batch_size: 64, optimizer: 'sgd', momentum: 0, loss: 'auto' })
  })

  it('leaves out unset values', () => {
    expect(costTraining({ mixed_precision: null, device: 'cpu' })).toEqual({ device: 'cpu' })
  })
})
