/** A banner under the header while the server reports a problem (storage refusing writes …). */
import { useEffect, useState } from 'react'
import { type HealthProblem, pollHealth } from './health'

export function HealthBanner() {
  const [problem, setProblem] = useState<HealthProblem | null>(null)
  useEffect(() => pollHealth({ onProblem: setProblem }), [])
  if (!problem) return null
  return (
    <div className="server-problem health-problem" role="alert" aria-label="Server problem">
      <strong>The server has a problem:</strong> {problem.reason}
      {problem.hint && <div className="health-hint">{problem.hint}</div>}
    </div>
  )
}
