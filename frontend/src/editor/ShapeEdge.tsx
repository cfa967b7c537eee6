/**
 * An edge labelled with the tensor shape flowing along it: the source node's output shape.
 * During and after a run its stroke shows the gradient flowing back through it (inside/GradientPath.tsx).
 */
import { EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react'
import { memo } from 'react'
import { formatShape } from '../graph/shapes'
import type { ShapeEdge as ShapeEdgeType } from '../graph/types'
import { GradientPath } from '../inside/GradientPath'
import { useEditorStore } from '../store/editorStore'

function ShapeEdgeView(props: EdgeProps<ShapeEdgeType>) {
  const { id, source, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props
  const shape = useEditorStore((s) => s.validation?.nodes[source]?.output_shape)
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition })
  return (
    <>
      <GradientPath id={id} source={source} path={path} markerEnd={markerEnd} className={selected ? 'shape-edge selected' : 'shape-edge'} />
      {shape !== undefined && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan${selected ? ' selected' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title="Tensor shape flowing along this edge (click to select the edge)"
            onClick={() => useEditorStore.getState().selectEdge(id)}
          >
            {formatShape(shape)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  )
}

export const ShapeEdge = memo(ShapeEdgeView)
export default ShapeEdge
