/**
 * The palette, built from `GET /api/layers`: grouped by category, searchable; each entry
 * is a real button named by its layer type. Drag it onto the canvas, or press it
 * (click / Enter) to add the node below the selected one, wired to it. From the keyboard:
 * "/" focuses the search, and Enter there adds the best match (see `bestMatch`) and selects
 * the query, so "Input ⏎ Flatten ⏎ Dense ⏎" types a chain.
 */
import { memo, useMemo, useState, type DragEvent } from 'react'
import type { LayerInfo } from '../api/types'
import { useEditorStore } from '../store/editorStore'
import { CATEGORY_TITLES, DRAG_MIME, categoryRank } from './categories'
import { bestMatch, LAYER_SEARCH_LABEL, matches } from './paletteSearch'

export interface PaletteProps {
  /** Called after a node was added by click/keyboard (the editor scrolls it into view). */
  onAdded?: (nodeId: string) => void
}

function onDragStart(event: DragEvent<HTMLButtonElement>, layerType: string): void {
  event.dataTransfer.setData(DRAG_MIME, layerType)
  event.dataTransfer.setData('text/plain', layerType)
  event.dataTransfer.effectAllowed = 'copy'
}

function PaletteView({ onAdded }: PaletteProps) {
  const layers = useEditorStore((s) => s.layers)
  const catalogueError = useEditorStore((s) => s.catalogueError)
  const [query, setQuery] = useState('')

  const groups = useMemo(() => {
    const byCategory = new Map<string, LayerInfo[]>()
    for (const layer of layers) {
      if (!matches(layer, query.trim())) continue
      const list = byCategory.get(layer.category) ?? []
      list.push(layer)
      byCategory.set(layer.category, list)
    }
    return [...byCategory.entries()].sort(
      ([a], [b]) => categoryRank(a) - categoryRank(b) || a.localeCompare(b),
    )
  }, [layers, query])

  const add = (layerType: string): void => {
    const s = useEditorStore.getState()
    const selected = s.selectedNodes()
    const from = selected.length === 1 ? selected[0] : null
    const position = from ? { x: from.position.x, y: from.position.y + 140 } : undefined
    const id = s.addNode(layerType, position, from?.id)
    s.requestFit() // keep the new node in view
    onAdded?.(id)
  }

  return (
    <nav className="palette" aria-label="Layer palette">
      <h2 className="panel-title">Layers</h2>
      <input
        className="palette-search"
        type="search"
        placeholder="Search layers…"
        aria-label={LAYER_SEARCH_LABEL}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return
          e.preventDefault()
          const best = bestMatch(
            groups.flatMap(([, list]) => list),
            query,
          )
          if (!best) return
          add(best.type)
          e.currentTarget.select() // the next name typed replaces this one
        }}
        aria-describedby="palette-search-tip"
      />
      <p className="palette-tip" id="palette-search-tip">
        Drag onto the canvas, or press to add below the selected node. Keyboard: <kbd>/</kbd> searches, <kbd>Enter</kbd> adds
        the best match.
      </p>
      {layers.length === 0 && !catalogueError && <p className="muted">Loading layers…</p>}
      {layers.length > 0 && groups.length === 0 && <p className="muted">No layer matches “{query}”.</p>}
      <div className="palette-groups">
        {groups.map(([category, list]) => (
          <section key={category} className={`palette-group cat-${category}`} aria-label={CATEGORY_TITLES[category] ?? category}>
            <h3>{CATEGORY_TITLES[category] ?? category}</h3>
            <ul>
              {list.map((layer) => (
                <li key={layer.type}>
                  <button
                    type="button"
                    className={`palette-item cat-${layer.category}`}
                    draggable
                    onDragStart={(e) => onDragStart(e, layer.type)}
                    onClick={() => add(layer.type)}
                    title={`${layer.description}\n\n${layer.explanation}`}
                    aria-label={layer.type}
                    aria-describedby={`palette-desc-${layer.type}`}
                  >
                    <span className="palette-item-name">{layer.type}</span>
                  </button>
                  <span id={`palette-desc-${layer.type}`} className="visually-hidden">
                    {layer.description}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </nav>
  )
}

export const Palette = memo(PaletteView)
export default Palette
