/**
 * The drawing canvas: draw with a mouse, a finger or a pen (pointer events), a round brush as
 * thick as the data set's strokes. Every change hands the input — downsampled to the data
 * set's `side`×`side` pixels, scaled as its `x` (`drawing.ts`) — to `onInput`. A loaded input
 * (a gallery example) replaces the drawing and can be drawn over.
 */

import { useEffect, useRef } from 'react'
import { brushWidth, canvasToInput, inputToAlpha } from './drawing'

/** Canvas pixels a side (shown at this many CSS pixels). */
export const PAD_SIZE = 200

export interface DrawPadProps {
  side: number
  onInput: (input: number[]) => void
  /** An input to show (flat, side×side, values in [0, 1]); `loadKey` changes when a new one is to be loaded. */
  load: { values: ArrayLike<number>; key: number } | null
}

export function DrawPad({ side, onInput, load }: DrawPadProps) {
  const ref = useRef<HTMLCanvasElement>(null)
  const last = useRef<{ x: number; y: number } | null>(null)
  const report = useRef(onInput)
  report.current = onInput

  const emit = () => {
    const ctx = ref.current?.getContext('2d', { willReadFrequently: true })
    if (!ctx) return
    report.current(canvasToInput(ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data, PAD_SIZE, PAD_SIZE, side, 1))
  }

  useEffect(() => {
    const ctx = ref.current?.getContext('2d', { willReadFrequently: true })
    if (!ctx || !load) return
    ctx.putImageData(new ImageData(inputToAlpha(load.values, side, PAD_SIZE, 1), PAD_SIZE, PAD_SIZE), 0, 0)
    // no emit: whoever loaded it asks the model about it
  }, [load, side])

  const at = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect()
    return { x: ((e.clientX - box.left) / box.width) * PAD_SIZE, y: ((e.clientY - box.top) / box.height) * PAD_SIZE }
  }

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const ctx = ref.current?.getContext('2d', { willReadFrequently: true })
    if (!ctx) return
    ctx.strokeStyle = '#111827'
    ctx.lineWidth = brushWidth(side, PAD_SIZE)
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.beginPath()
    ctx.moveTo(from.x, from.y)
    ctx.lineTo(to.x, to.y)
    ctx.stroke()
  }

  const clear = () => {
    const ctx = ref.current?.getContext('2d', { willReadFrequently: true })
    ctx?.clearRect(0, 0, PAD_SIZE, PAD_SIZE)
    emit()
  }

  return (
    <div className="ask-pad">
      <canvas
        ref={ref}
        className="ask-pad-canvas"
        width={PAD_SIZE}
        height={PAD_SIZE}
        role="img"
        aria-label="Drawing canvas"
        data-side={side}
        style={{ width: PAD_SIZE, height: PAD_SIZE, touchAction: 'none' }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture?.(e.pointerId)
          const p = at(e)
          last.current = p
          stroke(p, p)
          emit()
        }}
        onPointerMove={(e) => {
          if (!last.current) return
          const p = at(e)
          stroke(last.current, p)
          last.current = p
          emit()
        }}
        onPointerUp={() => {
          last.current = null
        }}
        onPointerCancel={() => {
          last.current = null
        }}
      />
      <button type="button" className="btn" onClick={clear}>
        Clear
      </button>
    </div>
  )
}
