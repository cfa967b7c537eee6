/** One bar per class: the model's probability for it, the most likely one highlighted. */

export function PredictionBars({ probabilities, labels }: { probabilities: readonly number[]; labels: readonly string[] | null }) {
  let top = 0
  probabilities.forEach((p, i) => {
    if (p > probabilities[top]) top = i
  })
  return (
    <ol className="ask-bars" aria-label="Prediction bars">
      {probabilities.map((p, i) => (
        <li key={i} className={i === top ? 'is-top' : undefined} data-class={i} data-probability={p.toFixed(4)}>
          <span className="ask-bar-label">{labels?.[i] ?? i}</span>
          <span className="ask-bar-track">
            <span className="ask-bar-fill" style={{ width: `${Math.max(0, Math.min(1, p)) * 100}%` }} />
          </span>
          <span className="ask-bar-value">{(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 0 : 1)}%</span>
        </li>
      ))}
    </ol>
  )
}
