import { describe, expect, it } from 'vitest'
import { decodeDesign, encodeDesign, fromBase64Url, payloadFromHash, shareUrl, toBase64Url, type SharedDesign } from './shareUrl'

const design: SharedDesign = {
  graph: {
    version: 1,
    nodes: [
      { id: 'in', type: 'Input', position: { x: 0, y: 0 } },
      { id: 'h', type: 'Dense', params: { units: 128, activation: 'relu' }, position: { x: 0, y: 130 } },
    ],
    edges: [{ source: 'in', target: 'h' }],
  },
  dataset: { name: 'spiral', params: { noise: 0.2 } },
  training: { epochs: 3 },
}

describe('share URL', () => {
  it('round-trips base64url bytes, including + / and padding cases', () => {
    for (const bytes of [new Uint8Array([]), new Uint8Array([251, 255, 191]), new Uint8Array([1, 2, 3, 4, 5])]) {
      const text = toBase64Url(bytes)
      expect(text).not.toMatch(/[+/=]/)
      expect(fromBase64Url(text)).toEqual(bytes)
    }
  })

  it('decodes what it encodes (compressed)', async () => {
    const payload = await encodeDesign(design)
    expect(payload[0]).toBe('z')
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(await decodeDesign(payload)).toEqual(design)
  })

  it('decodes plain JSON payloads', async () => {
    const payload = `j${toBase64Url(new TextEncoder().encode(JSON.stringify(design)))}`
    expect(await decodeDesign(payload)).toEqual(design)
  })

  it('compresses a repetitive graph', async () => {
    const big: SharedDesign = {
      graph: {
        nodes: Array.from({ length: 40 }, (_, i) => ({ id: `dense_${i}`, type: 'Dense', params: { units: 64 } })),
        edges: [],
      },
    }
    const payload = await encodeDesign(big)
    expect(payload.length).toBeLessThan(JSON.stringify(big).length / 3)
  })

  it('builds a link and reads it back from the hash', async () => {
    const url = await shareUrl(design, 'http://localhost:8000/#design=old')
    expect(url.startsWith('http://localhost:8000/#design=z')).toBe(true)
    const payload = payloadFromHash(new URL(url).hash)!
    expect(await decodeDesign(payload)).toEqual(design)
    expect(payloadFromHash('#other=1')).toBeNull()
  })

  it('rejects payloads that hold no design', async () => {
    await expect(decodeDesign('xabc')).rejects.toThrow(/LayerLab design/)
    await expect(decodeDesign(`j${toBase64Url(new TextEncoder().encode('{"a":1}'))}`)).rejects.toThrow(/LayerLab design/)
  })
})
