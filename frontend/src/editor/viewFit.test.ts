import { describe, expect, it } from 'vitest'
import { graphFitsView } from './viewFit'

describe('graphFitsView', () => {
  const box = { x: 0, y: 0, width: 200, height: 100 }

  it('is true when every node is on screen', () => {
    expect(graphFitsView([box, { ...box, y: 150 }], [10, 10, 1], 400, 300)).toBe(true)
    expect(graphFitsView([], [0, 0, 1], 400, 300)).toBe(true)
  })

  it('is false when a node sticks out on any side', () => {
    expect(graphFitsView([{ ...box, y: 250 }], [0, 0, 1], 400, 300)).toBe(false)
    expect(graphFitsView([box], [-50, 0, 1], 400, 300)).toBe(false)
    expect(graphFitsView([{ ...box, x: 300 }], [0, 0, 1], 400, 300)).toBe(false)
  })

  it('applies the zoom', () => {
    expect(graphFitsView([{ ...box, x: 600 }], [0, 0, 0.5], 400, 300)).toBe(true)
    expect(graphFitsView([{ ...box, x: 600 }], [0, 0, 1], 400, 300)).toBe(false)
  })
})
