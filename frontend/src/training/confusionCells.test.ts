import { describe, expect, it } from 'vitest'
import { cellColor, cellText, normaliseRows, shownMatrix } from './ConfusionMatrix'
import type { ConfusionState } from '../views/confusion'
import type { ConfusionMatrixEvent } from '../api/events'

const labels = ['cat', 'dog']
const matrix = [
  [8, 2],
  [0, 5],
]

describe('confusion cells', () => {
  it('counts: the number, shaded against the largest cell', () => {
    expect(cellText(labels, matrix, 0, 0, false)).toMatchObject({ text: '8', t: 1 })
    expect(cellText(labels, matrix, 0, 1, false)).toMatchObject({ text: '2', t: 0.25 })
    expect(cellText(labels, matrix, 0, 1, false).name).toBe('true cat, predicted dog: 2 (20.0 % of true cat)')
  })

  it('normalised: the share of its true class', () => {
    expect(cellText(labels, matrix, 0, 1, true)).toMatchObject({ text: '20%', t: 0.2 })
    expect(cellText(labels, matrix, 1, 1, true)).toMatchObject({ text: '100%', t: 1 })
    expect(normaliseRows([[0, 0], [1, 3]])).toEqual([[0, 0], [0.25, 0.75]])
  })

  it('shades from near white to dark blue, light text on the dark half', () => {
    expect(cellColor(0)).toEqual({ background: 'rgb(247, 251, 255)', light: false })
    expect(cellColor(1)).toEqual({ background: 'rgb(8, 48, 107)', light: true })
    expect(cellColor(Number.NaN).background).toBe('rgb(247, 251, 255)')
  })

  it('shows the test matrix at the end, the validation one of a scrubbed step', () => {
    const val = (epoch: number) => ({ type: 'confusion_matrix', split: 'val', epoch, labels, matrix }) as unknown as ConfusionMatrixEvent
    const test = { ...val(0), split: 'test', epoch: null } as unknown as ConfusionMatrixEvent
    const state: ConfusionState = { stepsPerEpoch: 10, step: 20, val: [{ step: 10, value: val(1) }, { step: 20, value: val(2) }], test }
    expect(shownMatrix(state, null, null)).toBe(test)
    expect(shownMatrix(state, 'val', null)?.epoch).toBe(2)
    expect(shownMatrix(state, null, 12)?.epoch).toBe(1)
  })
})
