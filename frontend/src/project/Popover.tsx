/** A button that opens a small panel below it; Escape or a click outside closes it. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react'

export interface PopoverProps {
  label: string
  title?: string
  className?: string
  children: (close: () => void) => ReactNode
  onOpen?: () => void
}

export function Popover({ label, title, className, children, onOpen }: PopoverProps) {
  const [open, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const panelId = useId()

  useEffect(() => {
    if (!open) return
    const onDown = (e: MouseEvent): void => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false)
    }
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        setOpen(false)
        button.current?.focus()
      }
    }
    document.addEventListener('mousedown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('mousedown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])

  const close = (): void => setOpen(false)
  return (
    <div className={`popover ${className ?? ''}`} ref={root}>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        title={title}
        onClick={() => {
          if (!open) onOpen?.()
          setOpen(!open)
        }}
      >
        {label} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id={panelId} className="popover-panel" role="dialog" aria-label={label}>
          {children(close)}
        </div>
      )}
    </div>
  )
}

export default Popover
