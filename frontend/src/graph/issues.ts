/**
 * Validation issues (GraphIssue[]) → what the editor shows where: on a node, under a
 * field of the inspector, or in the problems list (issues without a node).
 */
import type { DatasetInfo, DatasetRef, GraphIssue } from '../api/types'

export interface IssueIndex {
  /** Issues of each node (including field issues), in server order. */
  byNode: Record<string, GraphIssue[]>
  /** Issues of each node's params: `byField[nodeId][param]`. */
  byField: Record<string, Record<string, GraphIssue[]>>
  /** Issues that name no existing node (`no_input`, `cycle` without a node, data-set issues …). */
  general: GraphIssue[]
}

/**
 * Sort issues by where they are shown. An issue naming a node that is not on the canvas
 * goes to `general`, so nothing is ever hidden.
 */
export function indexIssues(issues: readonly GraphIssue[], nodeIds?: ReadonlySet<string>): IssueIndex {
  const index: IssueIndex = { byNode: {}, byField: {}, general: [] }
  for (const issue of issues) {
    const nodeId = issue.node_id ?? null
    if (nodeId === null || (nodeIds !== undefined && !nodeIds.has(nodeId))) {
      index.general.push(issue)
      continue
    }
    ;(index.byNode[nodeId] ??= []).push(issue)
    if (issue.field) {
      const fields = (index.byField[nodeId] ??= {})
      ;(fields[issue.field] ??= []).push(issue)
    }
  }
  return index
}

/** "1 problem" / "3 problems". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export interface TrainReadiness {
  nodeCount: number
  datasetRef: DatasetRef | null
  dataset: DatasetInfo | undefined
  /** The latest validation of *this* graph and data set, or null while it is being checked. */
  errors: readonly GraphIssue[] | null
  /** Why the graph could not be checked (the server does not answer …), or null. */
  failure?: string | null
}

/**
 * Why the Train button is disabled, in words, or null when the graph can be trained.
 *
 * Example: `Fix 2 problems first: Node "h" (Dense) expects input (batch, features) …`.
 */
export function trainDisabledReasonOf(r: TrainReadiness): string | null {
  if (r.nodeCount === 0) return 'Add layers to the canvas first: drag an Input from the palette.'
  if (!r.datasetRef) return 'Pick a data set first.'
  if (r.dataset && r.dataset.available === false) {
    return `Data set "${r.dataset.name}" is not available${r.dataset.reason ? `: ${r.dataset.reason}` : '.'}`
  }
  if (r.errors === null) return r.failure ? `Could not check the graph: ${r.failure}` : 'Checking the graph…'
  if (r.errors.length > 0) return `Fix ${plural(r.errors.length, 'problem')} first: ${r.errors[0].message}`
  return null
}

/** An issue's message without the hint when the message already ends with it (shown apart). */
export function messageWithoutHint(issue: GraphIssue): string {
  const hint = issue.hint?.trim()
  const message = issue.message.trim()
  if (hint && message.endsWith(hint) && message.length > hint.length) return message.slice(0, -hint.length).trim()
  return message
}
