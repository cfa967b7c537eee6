/** The final metrics on the test split: accuracy, precision, recall, F1 (or MSE/MAE/R²), per class. */

import type { RunView } from './reduceEvents'
import { perClassMetrics, testMetrics } from './reduceEvents'
import { formatNumber, formatPercent } from './format'

/** A forecast's MAE beside the naive forecast's (repeat the window's last value); a language model's bits per character read out. */
export function BaselineNote({ metrics }: { metrics: Record<string, unknown> }) {
  const { mae, naive_mae: naive, bits_per_char: bits, perplexity } = metrics
  if (typeof mae === 'number' && typeof naive === 'number' && naive > 0) {
    const change = (1 - mae / naive) * 100
    return (
      <p className="baseline-note">
        {change > 0
          ? `${change.toFixed(0)} % below the MAE of repeating the last value (${formatNumber(naive)}): the model has learnt more than “tomorrow is like today”.`
          : `Not better than repeating the last value (MAE ${formatNumber(naive)}): the model has not learnt the series' dynamics yet.`}
      </p>
    )
  }
  if (typeof bits === 'number' && typeof perplexity === 'number') {
    return (
      <p className="baseline-note">
        On held-out text the model is as unsure of the next character as a fair choice among {perplexity.toFixed(1)} characters ({bits.toFixed(2)} bits each).
      </p>
    )
  }
  return null
}

export function TestResults({ view }: { view: RunView }) {
  const metrics = testMetrics(view.evaluation)
  if (metrics.length === 0) return null
  const perClass = perClassMetrics(view.evaluation)
  return (
    <section className="test-results" aria-label="Test results">
      <h3 className="dash-title">Test results</h3>
      <ul className="metric-tiles">
        {metrics.map((m) => (
          <li key={m.key} className={`metric-tile${m.key === 'accuracy' || m.key === 'r2' ? ' is-main' : ''}`}>
            <span className="metric-label">{m.label}</span>{' '}
            <strong className="metric-value">{m.format === 'percent' ? formatPercent(m.value) : formatNumber(m.value)}</strong>
          </li>
        ))}
      </ul>
      <BaselineNote metrics={view.evaluation?.metrics ?? {}} />
      {perClass.length > 0 ? (
        <details className="per-class">
          <summary>Per class</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Precision</th>
                <th scope="col">Recall</th>
                <th scope="col">F1</th>
                <th scope="col">Samples</th>
              </tr>
            </thead>
            <tbody>
              {perClass.map((c) => (
                <tr key={c.label}>
                  <th scope="row">{c.label}</th>
                  <td>{formatPercent(c.precision)}</td>
                  <td>{formatPercent(c.recall)}</td>
                  <td>{formatPercent(c.f1)}</td>
                  <td>{c.support}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </section>
  )
}
