/** Canvas tools: undo/redo, delete, copy/paste, auto-layout and fit view. */
import { Panel, useReactFlow } from '@xyflow/react'
import { canRedo, canUndo } from '../graph/history'
import { useEditorStore } from '../store/editorStore'
import { FIT_OPTIONS } from './fitOptions'

export function Toolbar() {
  const undoable = useEditorStore((s) => canUndo(s.history))
  const redoable = useEditorStore((s) => canRedo(s.history))
  const hasSelection = useEditorStore((s) => s.nodes.some((n) => n.selected) || s.edges.some((e) => e.selected))
  const hasClipboard = useEditorStore((s) => s.clipboard !== null)
  const isEmpty = useEditorStore((s) => s.nodes.length === 0)
  const { fitView } = useReactFlow()
  const s = useEditorStore.getState

  return (
    <Panel position="top-left" className="toolbar" role="toolbar" aria-label="Canvas tools">
      <button type="button" onClick={() => s().undo()} disabled={!undoable} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={() => s().redo()} disabled={!redoable} title="Redo (Ctrl+Shift+Z or Ctrl+Y)">
        Redo
      </button>
      <span className="toolbar-sep" aria-hidden="true" />
      <button type="button" onClick={() => s().copySelection()} disabled={!hasSelection} title="Copy the selected nodes (Ctrl+C)">
        Copy
      </button>
      <button type="button" onClick={() => s().paste()} disabled={!hasClipboard} title="Paste (Ctrl+V)">
        Paste
      </button>
      <button type="button" onClick={() => s().deleteSelection()} disabled={!hasSelection} title="Delete the selection (Delete)">
        Delete
      </button>
      <span className="toolbar-sep" aria-hidden="true" />
      <button type="button" onClick={() => s().autoLayout()} disabled={isEmpty} title="Arrange the nodes top to bottom">
        Auto layout
      </button>
      <button
        type="button"
        onClick={() => void fitView(FIT_OPTIONS)}
        disabled={isEmpty}
        title="Show the whole graph"
      >
        Fit view
      </button>
    </Panel>
  )
}

export default Toolbar
