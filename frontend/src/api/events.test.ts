import { describe, expect, it } from 'vitest'
import { isTerminal, parseEvent, parseEvents } from './events'

const base = { seq: 1, run_id: 'r1', time: 1700000000.5 }

describe('parseEvent', () => {
  it('parses one recorded message of each type the server sends', () => {
    const messages = [
      { ...base, type: 'status', status: 'queued', position: 2 },
      { ...base, type: 'status', status: 'running', device: 'cpu', epochs: 5, steps_per_epoch: 30 },
      { ...base, type: 'step', epoch: 1, step: 3, loss: 0.69, learning_rate: 0.001, samples_per_s: 5200 },
      { ...base, type: 'epoch', epoch: 1, train: { loss: 0.5, accuracy: 0.8 }, val: { loss: 0.6, accuracy: 0.75 } },
      { ...base, type: 'evaluation', split: 'test', metrics: { accuracy: 0.9, per_class: [] } },
      { ...base, type: 'confusion_matrix', split: 'val', epoch: 1, labels: ['0', '1'], matrix: [[5, 1], [2, 7]] },
      { ...base, type: 'activations', nodes: { h: { mean: 0, std: 1 } } },
      { ...base, type: 'weights', nodes: {} },
      { ...base, type: 'gradients', nodes: {} },
      {
        ...base,
        type: 'decision_boundary',
        x_range: [-1, 1],
        y_range: [-2, 2],
        resolution: 2,
        grid: [[0, 1], [1, 0]],
        points: [[0.1, 0.2, 1]],
      },
      { ...base, type: 'samples', kind: 'text', items: [{ text: 'hello' }] },
      { ...base, type: 'diagnostic', kind: 'overfitting', message: 'Validation loss rises.', hint: 'Add dropout.' },
    ]
    for (const message of messages) {
      const event = parseEvent(JSON.stringify(message))
      expect(event, message.type).not.toBeNull()
      expect(event?.type).toBe(message.type)
    }
  })

  it('narrows on type', () => {
    const event = parseEvent({ ...base, type: 'step', epoch: 2, step: 40, loss: 0.1, learning_rate: 0.01, samples_per_s: 1 })
    if (event?.type !== 'step') throw new Error('expected a step event')
    expect(event.loss).toBe(0.1) // compiles only because the union narrows
  })

  it('fills optional collections the server may leave out', () => {
    const epoch = parseEvent({ ...base, type: 'epoch', epoch: 1, train: { loss: 1 } })
    expect(epoch?.type === 'epoch' && epoch.val).toEqual({})
    const boundary = parseEvent({ ...base, type: 'decision_boundary', x_range: [0, 1], y_range: [0, 1], resolution: 1, grid: [[0]] })
    expect(boundary?.type === 'decision_boundary' && boundary.points).toEqual([])
    const evaluation = parseEvent({ ...base, type: 'evaluation', metrics: { accuracy: 1 } })
    expect(evaluation?.type === 'evaluation' && evaluation.split).toBe('test')
  })

  it('reads a non-finite loss (JSON null) as NaN', () => {
    const step = parseEvent({ ...base, type: 'step', epoch: 1, step: 1, loss: null, learning_rate: 1, samples_per_s: 1 })
    expect(step?.type === 'step' && Number.isNaN(step.loss)).toBe(true)
  })

  it('rejects malformed messages instead of throwing', () => {
    expect(parseEvent('not json')).toBeNull()
    expect(parseEvent('[1,2]')).toBeNull()
    expect(parseEvent(null)).toBeNull()
    expect(parseEvent({ ...base, type: 'nonsense' })).toBeNull()
    expect(parseEvent({ ...base, type: 'toString' })).toBeNull()
    expect(parseEvent({ ...base, seq: 0, type: 'status', status: 'running' })).toBeNull()
    expect(parseEvent({ ...base, seq: 1.5, type: 'status', status: 'running' })).toBeNull()
    expect(parseEvent({ run_id: 'r', time: 0, type: 'status', status: 'running' })).toBeNull()
    expect(parseEvent({ ...base, type: 'status', status: 'sleeping' })).toBeNull()
    expect(parseEvent({ ...base, type: 'step', epoch: 1, step: 'x', loss: 1 })).toBeNull()
    expect(parseEvent({ ...base, type: 'confusion_matrix', split: 'val', labels: [], matrix: 3 })).toBeNull()
  })

  it('parses a list and drops the bad entries', () => {
    const list = parseEvents([{ ...base, type: 'status', status: 'running' }, { bad: true }, { ...base, seq: 2, type: 'status', status: 'completed' }])
    expect(list.map((e) => e.seq)).toEqual([1, 2])
    expect(parseEvents({ detail: 'nope' })).toEqual([])
  })

  it('knows the final states', () => {
    expect(isTerminal('completed')).toBe(true)
    expect(isTerminal('failed')).toBe(true)
    expect(isTerminal('paused')).toBe(false)
    expect(isTerminal(null)).toBe(false)
  })
})
