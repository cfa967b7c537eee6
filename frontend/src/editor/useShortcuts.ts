/**
 * Editor keyboard shortcuts on the whole page: undo (Ctrl/⌘+Z), redo (Ctrl/⌘+Shift+Z,
 * Ctrl/⌘+Y), copy (Ctrl/⌘+C), paste (Ctrl/⌘+V) and "/" to search the layers (the palette's
 * search box). Delete/Backspace is React Flow's. Keys typed into form fields keep their
 * usual meaning.
 */
import { useEffect } from 'react'
import { useEditorStore } from '../store/editorStore'
import { LAYER_SEARCH_LABEL } from './paletteSearch'

function isTextTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  const tag = target.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable
}

/** The palette's search box (see Palette.tsx). */
const LAYER_SEARCH_SELECTOR = `input[aria-label="${LAYER_SEARCH_LABEL}"]`

export function handleShortcut(event: KeyboardEvent): boolean {
  if (isTextTarget(event.target)) return false
  if (event.key === '/' && !(event.ctrlKey || event.metaKey || event.altKey)) {
    const search = document.querySelector<HTMLInputElement>(LAYER_SEARCH_SELECTOR)
    if (!search) return false
    search.focus()
    search.select()
    event.preventDefault()
    return true
  }
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return false
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
