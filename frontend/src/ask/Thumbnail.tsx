/**
 * An example's input as the model sees it: an image set's pixels on a small <canvas> (dark ink
 * on white; RGB for colour images), a 2-D point's coordinates, a few values of a tabular row.
 */

import { useEffect, useRef } from 'react'
import type { QuantizedArray } from '../api/runsApi'
import { decoded } from '../inside/quantized'
import { prepare } from '../inside/draw'

function imageDims(shape: readonly number[]): { channels: number; h: number; w: number } | null {
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 3)) return { channels: shape[0], h: shape[1], w: shape[2] }
  if (shape.length === 2 && shape[0] > 1 && shape[1] > 1) return { channels: 1, h: shape[0], w: shape[1] }
  return null
}

/** Whether a quantized input is a picture (drawn on a canvas) rather than a few numbers. */
export function isImage(q: QuantizedArray): boolean {
  return imageDims(q.shape) !== null
}

/** Draw `values` ((C,) H, W; grey or RGB, 0 = background) into `canvas` at `size` CSS pixels a side. */
export function drawInput(canvas: HTMLCanvasElement, values: ArrayLike<number>, shape: readonly number[], size: number, high: number): void {
  const dims = imageDims(shape)
  if (!dims) return
  const ctx = prepare(canvas, size, size)
  if (!ctx) return
  const { channels, h, w } = dims
  const max = high > 0 ? high : 1
  const rgba = new Uint8ClampedArray(h * w * 4)
  for (let i = 0; i < h * w; i += 1) {
    for (let c = 0; c < 3; c += 1) {
      const v = values[(channels === 3 ? c * h * w : 0) + i] / max
      rgba[i * 4 + c] = Math.round(255 * (channels === 3 ? Math.max(0, Math.min(1, v)) : 1 - Math.max(0, Math.min(1, v))))
    }
    rgba[i * 4 + 3] = 255
  }
  const scratch = document.createElement('canvas')
  scratch.width = w
  scratch.height = h
  scratch.getContext('2d')?.putImageData(new ImageData(rgba, w, h), 0, 0)
  ctx.imageSmoothingEnabled = false
  ctx.drawImage(scratch, 0, 0, size, size)
}

function numbers(values: ArrayLike<number>, count: number): string {
  const shown = Array.from(values).slice(0, count).map((v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)))
  return shown.join(', ') + (values.length > count ? ', …' : '')
}

export function Thumbnail({ input, size = 56, label }: { input: QuantizedArray; size?: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null)
  const d = decoded(input)
  const image = isImage(input)
  useEffect(() => {
    if (image && ref.current) drawInput(ref.current, d.values, d.shape, size, Math.max(d.high, 1e-6))
  }, [d, image, size])
  if (image) return <canvas ref={ref} className="ask-thumb" role="img" aria-label={label} width={size} height={size} style={{ width: size, height: size }} />
  const text = d.values.length === 2 ? `(${numbers(d.values, 2)})` : numbers(d.values, 4)
  return (
    <span className="ask-thumb-text" role="img" aria-label={label}>
      {text}
    </span>
  )
}
