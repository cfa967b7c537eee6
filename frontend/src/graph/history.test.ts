import { describe, expect, it } from 'vitest'
import { canRedo, canUndo, emptyHistory, record, redo, undo } from './history'

describe('undo/redo history', () => {
  it('undoes and redoes edits in order', () => {
    let h = emptyHistory<number>()
    h = record(h, 0, { now: 0 }) // 0 → 1
    h = record(h, 1, { now: 1 }) // 1 → 2
    const back = undo(h, 2)!
    expect(back.value).toBe(1)
    const back2 = undo(back.history, 1)!
    expect(back2.value).toBe(0)
    expect(canUndo(back2.history)).toBe(false)
    const forward = redo(back2.history, 0)!
    expect(forward.value).toBe(1)
    expect(redo(forward.history, 1)!.value).toBe(2)
  })

  it('returns null when there is nothing to undo or redo', () => {
    expect(undo(emptyHistory<number>(), 0)).toBeNull()
    expect(redo(emptyHistory<number>(), 0)).toBeNull()
  })

  it('drops the redo stack on a new edit', () => {
    let h = record(emptyHistory<number>(), 0, { now: 0 })
    h = undo(h, 1)!.history
    expect(canRedo(h)).toBe(true)
    h = record(h, 0, { now: 5 })
    expect(canRedo(h)).toBe(false)
  })

  it('coalesces edits with the same key close in time', () => {
    let h = emptyHistory<string>()
    h = record(h, '', { key: 'units', now: 0 })
    h = record(h, '1', { key: 'units', now: 200 })
    h = record(h, '12', { key: 'units', now: 400 })
    expect(h.past).toEqual([''])
    h = record(h, '128', { key: 'units', now: 5000 })
    expect(h.past).toEqual(['', '128'])
    h = record(h, 'x', { key: 'rate', now: 5100 })
    expect(h.past).toHaveLength(3)
  })

  it('keeps at most `limit` steps', () => {
    let h = emptyHistory<number>()
    for (let i = 0; i < 10; i += 1) h = record(h, i, { limit: 3, now: i })
    expect(h.past).toEqual([7, 8, 9])
  })
})
