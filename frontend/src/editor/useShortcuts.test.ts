import { afterEach, describe, expect, it } from 'vitest'
import { handleShortcut } from './useShortcuts'

function press(target: HTMLElement, key: string): { handled: boolean; event: KeyboardEvent } {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
  Object.defineProperty(event, 'target', { value: target })
  return { handled: handleShortcut(event), event }
}

describe('"/" searches the layers', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('focuses the palette search and selects its text', () => {
    document.body.innerHTML = '<input aria-label="Search layers" value="dense"><button>Train</button>'
    const search = document.querySelector('input')!
    const { handled, event } = press(document.querySelector('button')!, '/')
    expect(handled).toBe(true)
    expect(event.defaultPrevented).toBe(true)
    expect(document.activeElement).toBe(search)
    expect([search.selectionStart, search.selectionEnd]).toEqual([0, 5])
  })

  it('is a plain "/" inside a form field', () => {
    document.body.innerHTML = '<input aria-label="Search layers"><input aria-label="Epochs">'
    const epochs = document.querySelector<HTMLInputElement>('input[aria-label="Epochs"]')!
    epochs.focus()
    expect(press(epochs, '/').handled).toBe(false)
    expect(document.activeElement).toBe(epochs)
  })
})
