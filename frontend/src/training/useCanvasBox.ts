/**
 * The CSS size of a canvas chart's box, kept in a ref (read by the draw, no re-render per
 * frame) and a counter bumped when it changes (a draw dependency), plus the page's text colour
 * (read once per element and presenter mode, not per draw: `getComputedStyle` costs a style pass).
 */

import { useEffect, useRef, useState } from 'react'

export function useCanvasBox(element: HTMLElement | null, presenter: boolean) {
  const size = useRef({ width: 0, height: 0 })
  const color = useRef('#333')
  const [resized, setResized] = useState(0)
  useEffect(() => {
    if (!element) return
    color.current = getComputedStyle(element).color || '#333'
    const measure = () => {
      const { width, height } = element.getBoundingClientRect()
      if (width !== size.current.width || height !== size.current.height) {
        size.current = { width, height }
        setResized((n) => n + 1)
      }
    }
    measure()
    if (typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [element, presenter])
  return { size, color, resized }
}
