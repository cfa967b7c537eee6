/**
 * On the canvas: each node's small live view of itself (inside/NodeCard.tsx), at the scrubbed
 * step. Reduces nothing of its own: it reads the `activations` and `probe` views' states.
 */

import { atStep } from '../inside/history'
import { NodeCard } from '../inside/NodeCard'
import type { ActivationsState, ProbeState } from '../inside/state'
import { getViewState, registerView, type ViewProps } from './registry'

function NodeLive({ runId, nodeId, step }: ViewProps<null>) {
  if (!runId || !nodeId) return null
  const snap = atStep(getViewState<ActivationsState>(runId, 'activations')?.nodes[nodeId], step)
  const probe = atStep(getViewState<ProbeState>(runId, 'probe')?.nodes[nodeId], step)
  if (!snap && !probe) return null
  return <NodeCard runId={runId} nodeId={nodeId} snap={snap} probe={probe} />
}

registerView<null>({
  id: 'node-live',
  title: 'On the node',
  description:
    "Beside each node: how its outputs are spread (a histogram, low values left), the share of dead or saturated units, and the probe example's feature maps or each unit's output over the plane.",
  eventTypes: [],
  places: ['canvas'],
  init: () => null,
  reduce: (state) => state,
  Component: NodeLive,
})
