import { describe, expect, it } from 'vitest'
import { decodeQuantized, decoded, mapsOf } from './quantized'

function encode(bytes: number[]): string {
  return btoa(String.fromCharCode(...bytes))
}

describe('decodeQuantized', () => {
  it('maps each byte q to low + q/255·(high − low), row-major over the shape', () => {
    const d = decodeQuantized({ shape: [2, 3], low: -1, high: 1, data: encode([0, 255, 51, 204, 128, 127]) })
    expect(d.shape).toEqual([2, 3])
    expect(d.values).toBeInstanceOf(Float32Array)
    const expected = [-1, 1, -0.6, 0.6, 128 / 255 * 2 - 1, 127 / 255 * 2 - 1]
    expected.forEach((v, i) => expect(d.values[i]).toBeCloseTo(v, 5))
  })

  it('gives low everywhere when low equals high (a constant map)', () => {
    const d = decodeQuantized({ shape: [3], low: 0.5, high: 0.5, data: encode([0, 200, 255]) })
    expect(Array.from(d.values)).toEqual([0.5, 0.5, 0.5])
  })

  it('fits a payload of the wrong length to its shape instead of reading past it', () => {
    const short = decodeQuantized({ shape: [4], low: 0, high: 255, data: encode([10, 20]) })
    expect(Array.from(short.values)).toEqual([10, 20, 0, 0])
    const long = decodeQuantized({ shape: [1], low: 0, high: 255, data: encode([7, 8, 9]) })
    expect(Array.from(long.values)).toEqual([7])
  })

  it('decodes a payload object once (drawing again costs nothing)', () => {
    const q = { shape: [2], low: 0, high: 1, data: encode([0, 255]) }
    expect(decoded(q)).toBe(decoded(q))
  })

  it('reads maps as (count, height, width)', () => {
    const d = decodeQuantized({ shape: [16, 8, 6], low: 0, high: 1, data: encode(new Array(16 * 8 * 6).fill(3)) })
    expect(mapsOf(d)).toEqual({ count: 16, height: 8, width: 6 })
    expect(d.values.length).toBe(768)
  })
})
