import { describe, expect, it } from 'vitest'
import { append, atStep, emptyTrack, indexAtStep, MAX_SNAPSHOTS, stepOf } from './history'

describe('a node history', () => {
  it('finds the snapshot at or before a step, the newest when live', () => {
    const track = emptyTrack<string>()
    append(track, 1, 'a')
    append(track, 10, 'b')
    append(track, 25, 'c')
    expect(atStep(track, null)).toBe('c')
    expect(atStep(track, 25)).toBe('c')
    expect(atStep(track, 24)).toBe('b')
    expect(atStep(track, 10)).toBe('b')
    expect(atStep(track, 1)).toBe('a')
    expect(atStep(track, 0)).toBeUndefined()
    expect(atStep(undefined, 3)).toBeUndefined()
    expect(indexAtStep([], null)).toBe(-1)
  })

  it('replaces the last snapshot for the same step and ignores an older one', () => {
    const track = emptyTrack<string>()
    append(track, 5, 'a')
    append(track, 5, 'b')
    append(track, 3, 'old')
    expect(track.steps).toEqual([5])
    expect(track.items).toEqual(['b'])
  })

  it('stays bounded, thinning the older half and keeping the first and the recent snapshots', () => {
    const track = emptyTrack<number>()
    for (let step = 1; step <= 2000; step += 1) append(track, step, step)
    expect(track.steps.length).toBeLessThanOrEqual(MAX_SNAPSHOTS)
    expect(track.steps.length).toBeGreaterThan(MAX_SNAPSHOTS / 2)
    expect(track.steps[0]).toBe(1)
    expect(track.steps[track.steps.length - 1]).toBe(2000)
    // increasing, and the items still belong to their steps
    for (let i = 1; i < track.steps.length; i += 1) expect(track.steps[i]).toBeGreaterThan(track.steps[i - 1])
    track.steps.forEach((s, i) => expect(track.items[i]).toBe(s))
    // the recent past is dense: the last 50 steps are all there
    expect(track.steps.slice(-50)).toEqual(Array.from({ length: 50 }, (_, i) => 1951 + i))
    // a step that was thinned away resolves to the snapshot before it
    const gone = Array.from({ length: 2000 }, (_, i) => i + 1).find((s) => !track.steps.includes(s)) as number
    expect(atStep(track, gone)).toBeLessThan(gone)
  })

  it('takes the step of an event, or its seq from an older server', () => {
    expect(stepOf({ step: 12, seq: 99 })).toBe(12)
    expect(stepOf({ step: null, seq: 99 })).toBe(99)
  })
})
