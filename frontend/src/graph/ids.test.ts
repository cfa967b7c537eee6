import { describe, expect, it } from 'vitest'
import { idPrefix, newNodeId } from './ids'

describe('node ids', () => {
  it('derives readable prefixes', () => {
    expect(idPrefix('Dense')).toBe('dense')
    expect(idPrefix('MaxPool2D')).toBe('maxpool2d')
    expect(idPrefix('!!')).toBe('node')
  })

  it('takes the first free number', () => {
    expect(newNodeId('Dense', new Set())).toBe('dense_1')
    expect(newNodeId('Dense', new Set(['dense_1', 'dense_3']))).toBe('dense_2')
  })
})
