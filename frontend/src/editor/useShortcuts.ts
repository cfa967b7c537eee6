/**
 * Editor keyboard shortcuts on the whole page: undo (Ctrl/⌘+Z), redo (Ctrl/⌘+Shift+Z,
 * Ctrl/⌘+Y), copy (Ctrl/⌘+C) and paste (Ctrl/⌘+V). Delete/Backspace is React Flow's.
 * Keys typed into form fields keep their usual meaning.
 */
import { useEffect } from 'react'
import { useEditorStore } from '../store/editorStore'

function isTextTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  const tag = target.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable
}

export function handleShortcut(event: KeyboardEvent): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return false
  if (isTextTarget(event.target)) return false
  const key = event.key.toLowerCase()
  const s = useEditorStore.getState()
  if (key === 'z' && !event.shiftKey) s.undo()
  else if ((key === 'z' && event.shiftKey) || key === 'y') s.redo()
  else if (key === 'c') {
    if (window.getSelection()?.toString()) return false
    s.copySelection()
  } else if (key === 'v') s.paste()
  else return false
  event.preventDefault()
  return true
}

export function useShortcuts(): void {
  useEffect(() => {
    window.addEventListener('keydown', handleShortcut)
    return () => window.removeEventListener('keydown', handleShortcut)
  }, [])
}
