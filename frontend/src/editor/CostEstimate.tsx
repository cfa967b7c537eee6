/**
 * The estimated cost of one training step, beside the total parameters in the header:
 * "≈ 1.2 GB memory · 3.4 GFLOP per step" for the graph as edited and the training form as
 * set (batch size, optimizer …); opening it lists what the memory is made of. The figures
 * come from the live validation (`cost` of `POST /api/graphs/validate`).
 */
import { costBreakdown, costSummary, costTooltip } from '../graph/cost'
import { useEditorStore } from '../store/editorStore'
import './costEstimate.css'

export function CostEstimate() {
  const cost = useEditorStore((s) => s.validation?.cost)
  const hasNodes = useEditorStore((s) => s.nodes.length > 0)
  const tooMuch = useEditorStore((s) => s.validation?.errors.some((e) => e.code === 'too_much_memory') ?? false)
  if (!hasNodes || !cost) {
    return (
      <div className="cost-estimate" aria-label="Estimated cost" title="Known once every layer has a shape (choose a data set)">
        <span className="stat-label">Estimate</span>
        <span className="stat-value">—</span>
      </div>
    )
  }
  return (
    <details className={tooMuch ? 'cost-estimate over' : 'cost-estimate'} aria-label="Estimated cost">
      <summary title={costTooltip(cost)}>
        <span className="stat-value">
          {/* Two short lines (memory, compute) so the header fits a 1280 px projector; the text reads as one line. */}
          {costSummary(cost)
            .split(' · ')
            .map((part, i) => (
              <span key={part} className="cost-part">
                {i > 0 && <span className="cost-sep"> · </span>}
                {part}
              </span>
            ))}
        </span>
      </summary>
      <div className="cost-breakdown" role="group" aria-label="Cost breakdown">
        <dl>
          {costBreakdown(cost).map((part) => (
            <div key={part.label}>
              <dt>{part.label}</dt>
              <dd>{part.value}</dd>
            </div>
          ))}
        </dl>
        <p className="cost-note">
          An estimate from the layers' shapes{cost.mixed_precision ? ' (mixed precision)' : ''}: short-lived working
          memory comes on top.{cost.complete ? '' : ' Some layers have no shape yet, so the real cost is higher.'}
        </p>
      </div>
    </details>
  )
}

export default CostEstimate
