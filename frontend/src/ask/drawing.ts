/**
 * The drawing canvas of "Ask the model": what the user drew (the canvas' alpha channel) turned
 * into the model's input, downsampled and scaled exactly as the data set's `x` (the predict
 * route's description, docs/contract.md): 8×8 digits and 28×28 MNIST/Fashion pixels in [0, 1],
 * 0 = background. Each input pixel is the mean ink over its block of canvas pixels.
 */

/** The side of a drawable input shape ((1, 8, 8), (8, 8), (28, 28) …); null when it is not one grey square image. */
export function drawableSide(inputShape: readonly number[] | null | undefined): number | null {
  if (!inputShape) return null
  const dims = inputShape.filter((d, i) => !(d === 1 && i < inputShape.length - 2))
  if (dims.length !== 2 || dims[0] !== dims[1]) return null
  const side = dims[0]
  return side >= 4 && side <= 64 ? side : null
}

/**
 * The input vector (row-major, `side`×`side` values in [0, `max`]) of an RGBA canvas picture of
 * `width`×`height` pixels: the mean alpha of each block, alpha 255 = `max`. Blocks split the
 * canvas evenly (a pixel on a block edge counts for each block by the part of it inside).
 */
export function canvasToInput(rgba: ArrayLike<number>, width: number, height: number, side: number, max = 1): number[] {
  const out = new Array<number>(side * side).fill(0)
  const bw = width / side
  const bh = height / side
  for (let r = 0; r < side; r += 1) {
    const y0 = r * bh
    const y1 = y0 + bh
    for (let c = 0; c < side; c += 1) {
      const x0 = c * bw
      const x1 = x0 + bw
      let sum = 0
      for (let y = Math.floor(y0); y < Math.ceil(y1); y += 1) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0)
        if (wy <= 0) continue
        for (let x = Math.floor(x0); x < Math.ceil(x1); x += 1) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0)
          if (wx <= 0) continue
          sum += rgba[(y * width + x) * 4 + 3] * wx * wy
        }
      }
      const v = (sum / (bw * bh) / 255) * max
      out[r * side + c] = Math.round(Math.min(max, Math.max(0, v)) * 1e4) / 1e4
    }
  }
  return out
}

/** Whether nothing was drawn (every value 0). */
export function isBlank(input: readonly number[]): boolean {
  return input.every((v) => v === 0)
}

/**
 * The brush's width in canvas pixels for a canvas `size` pixels a side: strokes like the data
 * set's — about 1.6 cells of the 8×8 digits, about 2.6 pixels of a 28×28 MNIST digit.
 */
export function brushWidth(side: number, size: number): number {
  const cells = side <= 8 ? 1.6 : side <= 16 ? 2 : 2.6
  return Math.max(2, (cells * size) / side)
}

/**
 * The input, values in [0, `max`] in the data set's layout, as an RGBA picture of `side`×`side`
 * pixels: dark ink on white (how the gallery and the Ask view show inputs).
 */
export function inputToRgba(values: ArrayLike<number>, side: number, max = 1): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(side * side * 4)
  for (let i = 0; i < side * side; i += 1) {
    const t = Math.max(0, Math.min(1, (values[i] ?? 0) / (max || 1)))
    const g = Math.round(255 * (1 - t))
    rgba[i * 4] = g
    rgba[i * 4 + 1] = g
    rgba[i * 4 + 2] = g
    rgba[i * 4 + 3] = 255
  }
  return rgba
}

/** The input back into the canvas' alpha picture (a gallery example loaded for drawing on): `size`×`size` RGBA. */
export function inputToAlpha(values: ArrayLike<number>, side: number, size: number, max = 1): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(size * size * 4)
  for (let y = 0; y < size; y += 1) {
    const r = Math.min(side - 1, Math.floor((y * side) / size))
    for (let x = 0; x < size; x += 1) {
      const c = Math.min(side - 1, Math.floor((x * side) / size))
      const t = Math.max(0, Math.min(1, (values[r * side + c] ?? 0) / (max || 1)))
      rgba[(y * size + x) * 4 + 3] = Math.round(t * 255)
    }
  }
  return rgba
}
