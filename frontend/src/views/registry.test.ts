import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TrainingEvent } from '../api/events'
import { feedViews, fedSeq, getViewState, getViewVersion, registerView, resetViewStates, viewsFor } from './registry'

interface Count {
  steps: number[]
}

registerView<Count>({
  id: 'test-steps',
  title: 'Steps',
  description: 'Counts step events.',
  eventTypes: ['step'],
  places: ['node'],
  order: 5,
  init: () => ({ steps: [] }),
  reduce(state, event) {
    if (event.type === 'step') state.steps.push(event.step)
    return state
  },
  Component: () => null,
})
registerView({
  id: 'test-late',
  title: 'Late',
  description: 'Registered second, sorted first.',
  eventTypes: [],
  places: ['node', 'canvas'],
  order: 1,
  init: () => null,
  reduce: (s) => s,
  Component: () => null,
})

const step = (seq: number, s = seq): TrainingEvent =>
  ({ type: 'step', seq, run_id: 'r', time: seq, epoch: 1, step: s, loss: 1, learning_rate: 0.1, samples_per_s: 1 }) as TrainingEvent

afterEach(() => {
  resetViewStates()
  vi.useRealTimers()
})

describe('view registry', () => {
  it('lists the views of a place by order', () => {
    expect(viewsFor('node').map((v) => v.id).filter((id) => id.startsWith('test-'))).toEqual(['test-late', 'test-steps'])
    expect(viewsFor('canvas').map((v) => v.id)).toContain('test-late')
    expect(viewsFor('canvas').map((v) => v.id)).not.toContain('test-steps')
  })

  it('feeds each event once, in place, dropping replays', () => {
    expect(getViewState('r', 'test-steps')).toBeUndefined()
    feedViews('r', [step(1), step(2), step(3)])
    const state = getViewState<Count>('r', 'test-steps')
    feedViews('r', [step(2), step(3), step(4), { ...step(5), run_id: 'other' } as TrainingEvent])
    expect(getViewState<Count>('r', 'test-steps')).toBe(state) // appended, not copied
    expect(state?.steps).toEqual([1, 2, 3, 4])
    expect(fedSeq('r')).toBe(4)
  })

  it('bumps the version at most once per frame, and once more for what came meanwhile', () => {
    vi.useFakeTimers()
    feedViews('r', [step(1)])
    expect(getViewVersion('r')).toBe(1)
    feedViews('r', [step(2)])
    feedViews('r', [step(3)])
    expect(getViewVersion('r')).toBe(1)
    vi.advanceTimersByTime(20)
    expect(getViewVersion('r')).toBe(2)
    vi.advanceTimersByTime(100)
    expect(getViewVersion('r')).toBe(2)
    expect(feedViews('r', [step(3)])).toBe(false) // nothing new: no bump
    vi.advanceTimersByTime(20)
    expect(getViewVersion('r')).toBe(2)
  })
})
