/**
 * Every validation problem in one list; problems of a node are buttons that select it.
 * Problems without a node (no_input, a data-set issue …) only show here.
 */
import { useEditorStore } from '../store/editorStore'
import { messageWithoutHint, plural } from '../graph/issues'

export function Problems() {
  const errors = useEditorStore((s) => s.validation?.errors)
  const validationError = useEditorStore((s) => s.validationError)
  const nodeIds = useEditorStore((s) => s.nodes.map((n) => n.id).join('\n'))
  const known = new Set(nodeIds.split('\n'))
  if (!validationError && (!errors || errors.length === 0)) return null
  return (
    <section className="problems" aria-label="Problems">
      <h2 className="panel-title">
        Problems <span className="badge">{errors?.length ?? 0}</span>
      </h2>
      {validationError && <p className="field-error">Could not check the graph: {validationError}</p>}
      <ul>
        {(errors ?? []).map((issue, i) => (
          <li key={i} className="issue">
            {issue.node_id && known.has(issue.node_id) ? (
              <button
                type="button"
                className="issue-link"
                onClick={() => useEditorStore.getState().selectOnly(issue.node_id!)}
                aria-label={`Show node ${issue.node_id}: ${issue.message}`}
              >
                <span className="issue-node">{issue.node_id}</span> {messageWithoutHint(issue)}
              </button>
            ) : (
              <p className="issue-message">{messageWithoutHint(issue)}</p>
            )}
            {issue.hint && <p className="issue-hint">{issue.hint}</p>}
          </li>
        ))}
      </ul>
      <p className="muted visually-hidden">{plural(errors?.length ?? 0, 'problem')}</p>
    </section>
  )
}

export default Problems
