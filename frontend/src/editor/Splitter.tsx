/**
 * A horizontal splitter between the canvas and the dashboard: drag it, or focus it and
 * press ↑/↓ (Home/End for the limits). The height is remembered in localStorage.
 */
import { useCallback, useEffect, useState, type KeyboardEvent, type PointerEvent } from 'react'

const KEY = 'layerlab.dashboardHeight'
const MIN_PX = 120
const MIN_CANVAS_PX = 180
const STEP_PX = 32

function clamp(height: number): number {
  const max = Math.max(MIN_PX, window.innerHeight - MIN_CANVAS_PX - 50)
  return Math.round(Math.min(max, Math.max(MIN_PX, height)))
}

function remembered(): number | null {
  try {
    const value = Number(window.localStorage.getItem(KEY))
    return Number.isFinite(value) && value > 0 ? value : null
  } catch {
    return null
  }
}

/** The dashboard height chosen by the user (px), or null for the default layout. */
export function useDashboardHeight(): [number | null, (px: number | null) => void] {
  const [height, setHeight] = useState<number | null>(() => remembered())
  const set = useCallback((px: number | null) => {
    const value = px === null ? null : clamp(px)
    setHeight(value)
    try {
      if (value === null) window.localStorage.removeItem(KEY)
      else window.localStorage.setItem(KEY, String(value))
    } catch {
      // private mode: not remembered
    }
  }, [])
  useEffect(() => {
    const onResize = (): void => setHeight((h) => (h === null ? null : clamp(h)))
    window.addEventListener('resize', onResize)
    return () => window.removeEventListener('resize', onResize)
  }, [])
  return [height, set]
}

export interface SplitterProps {
  height: number | null
  onHeight: (px: number | null) => void
  /** The element whose top edge is dragged (to read the current height). */
  target: () => HTMLElement | null
}

export function Splitter({ height, onHeight, target }: SplitterProps) {
  const current = (): number => height ?? target()?.getBoundingClientRect().height ?? 300
  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    e.preventDefault()
    e.currentTarget.setPointerCapture(e.pointerId)
  }
  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    if (!e.currentTarget.hasPointerCapture(e.pointerId)) return
    onHeight(window.innerHeight - e.clientY)
  }
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'ArrowUp') onHeight(current() + STEP_PX)
    else if (e.key === 'ArrowDown') onHeight(current() - STEP_PX)
    else if (e.key === 'Home') onHeight(MIN_PX)
    else if (e.key === 'End') onHeight(window.innerHeight)
    else if (e.key === 'Escape' || e.key === 'Enter') onHeight(null)
    else return
    e.preventDefault()
  }
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the dashboard (arrow keys; Enter resets)"
      aria-valuenow={height ?? undefined}
      aria-valuemin={MIN_PX}
      tabIndex={0}
      title="Drag to share the height between the canvas and the dashboard; double-click resets"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onKeyDown={onKeyDown}
      onDoubleClick={() => onHeight(null)}
    />
  )
}
