/**
 * A design (graph + data set + training settings) packed into the URL hash, so a link is
 * the whole design: `#design=z<base64url(deflate-raw(JSON))>`.
 *
 * `z` marks deflate-raw (CompressionStream); `j` marks plain JSON in base64url, used
 * where the browser has no CompressionStream. Decoding accepts both.
 */
import type { DatasetRef, GraphSpec, TrainConfig } from '../api/types'

export interface SharedDesign {
  graph: GraphSpec
  dataset?: DatasetRef | null
  training?: TrainConfig | null
}

export const HASH_KEY = 'design'

export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  const chunk = 0x8000
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter()
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close())
  const chunks: Uint8Array[] = []
  const reader = stream.readable.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
  }
  await written
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

const hasCompression = (): boolean => typeof CompressionStream !== 'undefined' && typeof DecompressionStream !== 'undefined'

/** The hash fragment payload (without `#design=`) for a design. */
export async function encodeDesign(design: SharedDesign): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(design))
  if (!hasCompression()) return `j${toBase64Url(json)}`
  return `z${toBase64Url(await pipe(json, new CompressionStream('deflate-raw')))}`
}

/** The design in a payload made by {@link encodeDesign}; throws on anything malformed. */
export async function decodeDesign(payload: string): Promise<SharedDesign> {
  const kind = payload[0]
  const bytes = fromBase64Url(payload.slice(1))
  let json: Uint8Array
  if (kind === 'z') json = await pipe(bytes, new DecompressionStream('deflate-raw'))
  else if (kind === 'j') json = bytes
  else throw new Error('This link does not hold a LayerLab design.')
  const value: unknown = JSON.parse(new TextDecoder().decode(json))
  if (typeof value !== 'object' || value === null || typeof (value as { graph?: unknown }).graph !== 'object') {
    throw new Error('This link does not hold a LayerLab design.')
  }
  return value as SharedDesign
}

/** The full share URL for a design on the page at `base` (the current URL without its hash). */
export async function shareUrl(design: SharedDesign, base: string): Promise<string> {
  return `${base.split('#')[0]}#${HASH_KEY}=${await encodeDesign(design)}`
}

/** The design payload in a location hash (`#design=…`), or null when there is none. */
export function payloadFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  return params.get(HASH_KEY)
}
