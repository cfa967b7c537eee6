/**
 * A <canvas> drawn by the frame-draw scheduler (views/frameDraw.ts): at most once per animation
 * frame, only in sight, always with the newest `draw`. Its width follows its box (the panel's
 * width) unless given; `deps` say when to draw again.
 */

import { useState } from 'react'
import { useFrameDraw } from '../views/frameDraw'
import { prepare } from './draw'

export interface InsideCanvasProps {
  /** Draws the picture; `width`/`height` are CSS pixels. */
  draw: (ctx: CanvasRenderingContext2D, width: number, height: number) => void
  deps: readonly unknown[]
  height: number
  /** Fixed width in CSS px; default: the width of the canvas' box. */
  width?: number
  name: string
  runId: string
  className?: string
  label: string
  /** Data attributes for tests and tooltips (`data-step` …). */
  data?: Record<string, string | number | undefined>
  title?: string
}

export function InsideCanvas({ draw, deps, height, width, name, runId, className, label, data, title }: InsideCanvasProps) {
  const [element, setElement] = useState<HTMLCanvasElement | null>(null)
  useFrameDraw(
    element,
    () => {
      if (!element) return
      const w = width ?? Math.max(80, Math.floor(element.parentElement?.clientWidth ?? 260))
      const ctx = prepare(element, w, height)
      if (ctx) draw(ctx, w, height)
    },
    deps,
    { name, runId },
  )
  const attrs: Record<string, string> = {}
  for (const [k, v] of Object.entries(data ?? {})) if (v !== undefined) attrs[`data-${k}`] = String(v)
  return (
    <canvas
      ref={setElement}
      className={className}
      role="img"
      aria-label={label}
      title={title}
      height={height}
      width={width}
      style={{ height, width: width ?? '100%' }}
      {...attrs}
    />
  )
}
