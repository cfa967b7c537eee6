/**
 * The canvas: <ReactFlow> wiring only. Nodes and edges live in the editor store; drops
 * from the palette add nodes where they land; Delete/Backspace removes the selection.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type OnBeforeDelete,
} from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, type DragEvent } from 'react'
import type { LayerNode, ShapeEdge } from '../graph/types'
import { useEditorStore } from '../store/editorStore'
import { DRAG_MIME } from './categories'
import { FIT_OPTIONS } from './fitOptions'
import { withAccessibleNames } from './nodeNames'
import { edgeTypes, nodeTypes } from './nodeTypes'
import { Toolbar } from './Toolbar'
import { graphFitsView } from './viewFit'

const DELETE_KEYS = ['Delete', 'Backspace']
// No automatic fit on start: an empty canvas must not zoom onto the first dropped node.
const MINIMAP_STYLE = { width: 150, height: 100 }
const DEFAULT_VIEWPORT = { x: 40, y: 70, zoom: 1 }

/** The minimap, shown only while part of the graph is off screen (it would hide a corner of a graph that fits). */
function AutoMiniMap() {
  const needed = useStore(
    (s) =>
      s.nodeLookup.size > 0 &&
      !graphFitsView(
        Array.from(s.nodeLookup.values(), (n) => ({
          ...n.internals.positionAbsolute,
          width: n.measured.width ?? 0,
          height: n.measured.height ?? 0,
        })),
        s.transform,
        s.width,
        s.height,
      ),
  )
  if (!needed) return null
  return <MiniMap<LayerNode> pannable zoomable nodeColor={minimapColor} ariaLabel="Minimap" style={MINIMAP_STYLE} />
}

function minimapColor(node: LayerNode): string {
  const role = useEditorStore.getState().layersByType[node.data.layerType]?.role
  return role === 'input' ? '#0f766e' : '#64748b'
}

export function Editor() {
  const storeNodes = useEditorStore((s) => s.nodes)
  // Named for screen readers ("Dense dense_1") when Tab reaches them.
  const nodes = useMemo(() => withAccessibleNames(storeNodes), [storeNodes])
  const edges = useEditorStore((s) => s.edges)
  const onNodesChange = useEditorStore((s) => s.onNodesChange)
  const onEdgesChange = useEditorStore((s) => s.onEdgesChange)
  const fitRequest = useEditorStore((s) => s.fitRequest)
  const isEmpty = nodes.length === 0
  // Node sizes change when the answer arrives (shapes, problems): say so while it is pending.
  const isChecking = useEditorStore((s) => s.validatedRevision !== s.revision && s.validationError === null)
  const { screenToFlowPosition, fitView } = useReactFlow<LayerNode, ShapeEdge>()
  const canvasRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    // Auto-layout folds a deep graph into columns to suit the canvas' shape: keep its size known.
    const element = canvasRef.current
    if (!element) return
    const measure = (): void => {
      const { width, height } = element.getBoundingClientRect()
      if (width > 0 && height > 0) useEditorStore.getState().setCanvasSize({ width: Math.round(width), height: Math.round(height) })
    }
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  useEffect(() => {
    if (fitRequest === 0) return
    // Wait a frame so React Flow has measured the new nodes.
    const id = window.requestAnimationFrame(() => void fitView(FIT_OPTIONS))
    return () => window.cancelAnimationFrame(id)
  }, [fitRequest, fitView])

  const onConnect = useCallback((c: Connection) => useEditorStore.getState().connect(c.source, c.target), [])
  const isValidConnection = useCallback(
    (c: Connection | ShapeEdge) =>
      c.source !== c.target && !useEditorStore.getState().edges.some((e) => e.source === c.source && e.target === c.target),
    [],
  )
  const onBeforeDelete: OnBeforeDelete<LayerNode, ShapeEdge> = useCallback(async () => {
    useEditorStore.getState().checkpoint()
    return true
  }, [])
  const onNodeDragStart = useCallback(() => useEditorStore.getState().checkpoint(), [])

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_MIME)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
  }, [])
  const onDrop = useCallback(
    (event: DragEvent) => {
      const layerType = event.dataTransfer.getData(DRAG_MIME)
      if (!layerType) return
      event.preventDefault()
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      // Centre the node (about 220×80) under the pointer.
      useEditorStore.getState().addNode(layerType, { x: at.x - 110, y: at.y - 30 })
    },
    [screenToFlowPosition],
  )

  return (
    <div className="editor" data-testid="canvas" aria-busy={isChecking} ref={canvasRef}>
      <ReactFlow<LayerNode, ShapeEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onBeforeDelete={onBeforeDelete}
        onNodeDragStart={onNodeDragStart}
        onDrop={onDrop}
        onDragOver={onDragOver}
        deleteKeyCode={DELETE_KEYS}
        defaultViewport={DEFAULT_VIEWPORT}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        aria-label="Network canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Toolbar />
        <AutoMiniMap />
        <Controls showInteractive={false} />
      </ReactFlow>
      {isEmpty && (
        <div className="canvas-empty" aria-hidden="true">
          <p className="canvas-empty-title">Drag an <strong>Input</strong> from the palette to start</p>
          <p>…or load one of the templates from the header.</p>
        </div>
      )}
    </div>
  )
}

export default Editor
