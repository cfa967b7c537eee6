/**
 * The inspector: the selected node's label, explanation, problems and its params form
 * (generated from the layer's JSON Schema), plus its output shape and parameter count; during
 * and after a run, what happens inside the node (inside/NodePanel.tsx).
 */
import { useCallback, useEffect, useId, useRef } from 'react'
import type { JsonSchema, ParamValue } from '../api/types'
import { messageWithoutHint } from '../graph/issues'
import { formatCount, formatShape } from '../graph/shapes'
import { NodePanel } from '../inside/NodePanel'
import { selectSingleNode, useEditorStore } from '../store/editorStore'
import { ParamForm } from './ParamForm'

const NO_FIELD_ISSUES = {}

export function Inspector() {
  const node = useEditorStore(selectSingleNode)
  const selectedCount = useEditorStore((s) => s.nodes.reduce((n, node) => n + (node.selected ? 1 : 0), 0))
  const info = useEditorStore((s) => (node ? s.layersByType[node.data.layerType] : undefined))
  const report = useEditorStore((s) => (node ? s.validation?.nodes[node.id] : undefined))
  const nodeIssues = useEditorStore((s) => (node ? s.issues.byNode[node.id] : undefined))
  const fieldIssues = useEditorStore((s) => (node ? s.issues.byField[node.id] : undefined)) ?? NO_FIELD_ISSUES
  const labelId = useId()
  const nodeId = node?.id ?? null
  const root = useRef<HTMLElement>(null)

  // A node picked on the canvas brings its inspector (and its inside views) into sight.
  useEffect(() => {
    if (nodeId) root.current?.scrollIntoView?.({ block: 'start' })
  }, [nodeId])

  const onParam = useCallback(
    (name: string, value: ParamValue | undefined) => {
      if (nodeId) useEditorStore.getState().updateParam(nodeId, name, value)
    },
    [nodeId],
  )

  if (!node) {
    return (
      <section className="inspector" aria-label="Inspector">
        <h2 className="panel-title">Inspector</h2>
        <p className="muted">
          {selectedCount > 1
            ? `${selectedCount} nodes selected. Select one node to edit its parameters.`
            : 'Select a node on the canvas to edit its parameters.'}
        </p>
      </section>
    )
  }

  const properties = ((info?.params_schema as JsonSchema | undefined)?.properties ?? {}) as Record<string, JsonSchema>
  const general = (nodeIssues ?? []).filter((i) => !i.field || !(i.field in properties))

  return (
    <section className="inspector" aria-label="Inspector" ref={root}>
      <h2 className="panel-title">
        <span className={`inspector-type cat-${info?.category ?? 'unknown'}`}>{node.data.layerType}</span>
        <span className="inspector-id">{node.id}</span>
      </h2>
      {info ? <p className="inspector-description">{info.description}</p> : <p className="field-error">Unknown layer type.</p>}
      {info?.explanation && (
        <details className="inspector-explanation">
          <summary>What does it do?</summary>
          <p>{info.explanation}</p>
        </details>
      )}
      <div className="inspector-stats">
        <div>
          <span className="stat-label">Output</span>
          <span className="stat-value">{report ? formatShape(report.output_shape) : '…'}</span>
        </div>
        <div>
          <span className="stat-label">Parameters</span>
          <span className="stat-value">{report ? formatCount(report.params ?? 0) : '…'}</span>
        </div>
      </div>
      {general.length > 0 && (
        <div className="inspector-issues" role="alert">
          {general.map((issue, i) => (
            <div key={i} className="issue">
              <p className="issue-message">{messageWithoutHint(issue)}</p>
              {issue.hint && <p className="issue-hint">{issue.hint}</p>}
            </div>
          ))}
        </div>
      )}
      <NodePanel nodeId={node.id} />
      <div className="param-field">
        <label htmlFor={labelId}>Label</label>
        <input
          id={labelId}
          type="text"
          value={node.data.label ?? ''}
          placeholder={node.id}
          maxLength={200}
          onChange={(e) => useEditorStore.getState().setLabel(node.id, e.target.value)}
        />
      </div>
      {info && (
        <ParamForm schema={info.params_schema} values={node.data.params} issues={fieldIssues} onChange={onParam} />
      )}
    </section>
  )
}

export default Inspector
