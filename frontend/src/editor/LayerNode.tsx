/**
 * One generic, memoized node drawn from its layer type: type, name, the params set on
 * it, its output shape and parameter count; outlined red with the message and hint
 * when validation finds a problem with it. During and after a run it carries the canvas views
 * of itself (inside/CanvasViews.tsx: activation histogram, badges, feature maps, neuron heatmaps).
 */
import { Handle, Position, type NodeProps } from '@xyflow/react'
import { memo } from 'react'
import { messageWithoutHint } from '../graph/issues'
import { CanvasViews } from '../inside/CanvasViews'
import { formatCompact, formatCount, formatShape } from '../graph/shapes'
import type { LayerNode as LayerNodeType } from '../graph/types'
import { useEditorStore } from '../store/editorStore'

function paramSummary(params: Record<string, unknown>): string {
  return Object.entries(params)
    .slice(0, 3)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('×') : String(v)}`)
    .join(' · ')
}

function LayerNodeView({ id, data, selected }: NodeProps<LayerNodeType>) {
  const info = useEditorStore((s) => s.layersByType[data.layerType])
  const report = useEditorStore((s) => s.validation?.nodes[id])
  const paramCount = report?.params ?? 0
  const issues = useEditorStore((s) => s.issues.byNode[id])
  const category = info?.category ?? 'unknown'
  const hasInputs = info ? info.role !== 'input' : true
  const invalid = issues !== undefined && issues.length > 0
  const summary = paramSummary(data.params)
  const first = invalid ? issues[0] : null

  return (
    <div
      className={`layer-node cat-${category}${invalid ? ' invalid' : ''}${selected ? ' selected' : ''}`}
      aria-invalid={invalid || undefined}
      title={info?.description}
    >
      {hasInputs && <Handle type="target" position={Position.Top} aria-label={`${id} input`} />}
      <div className="layer-node-head">
        <span className="layer-node-type">{data.layerType}</span>
        <span className="layer-node-name">{data.label || id}</span>
      </div>
      {summary && <div className="layer-node-params">{summary}</div>}
      <div className="layer-node-meta">
        <span className="layer-node-shape" title="Output shape">
          {report ? formatShape(report.output_shape) : '…'}
        </span>
        {paramCount > 0 && (
          <span className="layer-node-count" title={`${formatCount(paramCount)} parameters`}>
            {formatCompact(paramCount)} params
          </span>
        )}
      </div>
      {first && (
        <div className="layer-node-issue" role="note">
          <p className="layer-node-message">{messageWithoutHint(first)}</p>
          {first.hint && <p className="layer-node-hint">{first.hint}</p>}
          {issues.length > 1 && <p className="layer-node-more">+{issues.length - 1} more</p>}
        </div>
      )}
      <CanvasViews nodeId={id} />
      <Handle type="source" position={Position.Bottom} aria-label={`${id} output`} />
    </div>
  )
}

export const LayerNode = memo(LayerNodeView)
export default LayerNode
