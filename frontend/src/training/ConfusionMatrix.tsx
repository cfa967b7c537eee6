/**
 * The confusion matrix (the `confusion` view, views/confusion.tsx): validation after each
 * epoch, test at the end; counts or normalised per true class (each row sums to 100 %). Rows
 * are the true class, columns the predicted one. Scrubbed to a step, it shows the validation
 * matrix of that time. Each cell is a button: a click sets the run store's `confusionCell`
 * (true, predicted class) for the views that show those examples.
 *
 * A table, not a plot: the cells are laid out once per set of class names, and a draw (through
 * the views' scheduler, `useFrameDraw`) only writes each cell's number, colour and name — well
 * under a millisecond for ten classes, where a plotly heatmap took 30–180 ms a draw.
 */

import { useRef, useState } from 'react'
import type { ConfusionMatrixEvent } from '../api/events'
import { useRunStore } from '../store/runStore'
import type { ConfusionState } from '../views/confusion'
import { useFrameDraw } from '../views/frameDraw'
import { snapshotAt } from '../views/history'
import type { ViewProps } from '../views/registry'

type Mode = 'counts' | 'normalised'
type SplitChoice = 'val' | 'test'

/** Labels beyond this many get no numbers in their cells (the colours still tell). */
const MAX_TEXT_LABELS = 15

/** Each row divided by its sum (a row with no samples stays 0). */
export function normaliseRows(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0)
    return row.map((v) => (total > 0 ? v / total : 0))
  })
}

/** ColorBrewer's Blues, light to dark. */
const BLUES: readonly (readonly [number, number, number])[] = [
  [247, 251, 255],
  [222, 235, 247],
  [198, 219, 239],
  [158, 202, 225],
  [107, 174, 214],
  [66, 146, 198],
  [33, 113, 181],
  [8, 81, 156],
  [8, 48, 107],
]

/** The colour of a cell at `t` in [0, 1] (0: none, 1: the most), and whether its text should be light. */
export function cellColor(t: number): { background: string; light: boolean } {
  const v = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (BLUES.length - 1)
  const i = Math.min(BLUES.length - 2, Math.floor(v))
  const f = v - i
  const [r, g, b] = BLUES[i].map((c, k) => Math.round(c + (BLUES[i + 1][k] - c) * f))
  return { background: `rgb(${r}, ${g}, ${b})`, light: v > (BLUES.length - 1) * 0.5 }
}

/** What a cell says: its number (count or share of its row) and its accessible name. */
export function cellText(
  labels: readonly string[],
  matrix: readonly (readonly number[])[],
  truth: number,
  predicted: number,
  normalised: boolean,
): { text: string; name: string; t: number } {
  const count = matrix[truth]?.[predicted] ?? 0
  const rowTotal = (matrix[truth] ?? []).reduce((a, b) => a + b, 0)
  let max = 0
  for (const row of matrix) for (const v of row) if (v > max) max = v
  const share = rowTotal > 0 ? count / rowTotal : 0
  const text = normalised ? `${Math.round(share * 100)}%` : String(count)
  const name = `true ${labels[truth]}, predicted ${labels[predicted]}: ${count} (${(share * 100).toFixed(1)} % of true ${labels[truth]})`
  return { text, name, t: normalised ? share : max > 0 ? count / max : 0 }
}

function describe(event: ConfusionMatrixEvent): string {
  if (event.split === 'test') return 'test set, after training'
  return event.epoch != null ? `validation, epoch ${event.epoch}` : 'validation'
}

/** The matrix the view shows: the chosen split, the validation one of the scrubbed step. */
export function shownMatrix(state: ConfusionState, choice: SplitChoice | null, step: number | null): ConfusionMatrixEvent | null {
  const val = snapshotAt(state.val, step)
  const test = step === null ? state.test : null
  const split: SplitChoice = choice ?? (test ? 'test' : 'val')
  return split === 'test' ? (test ?? val) : (val ?? test)
}

export function ConfusionMatrix({ runId, state, step, version }: ViewProps<ConfusionState>) {
  const [mode, setMode] = useState<Mode>('counts')
  const [choice, setChoice] = useState<SplitChoice | null>(null)
  const [table, setTable] = useState<HTMLTableElement | null>(null)
  const setConfusionCell = useRunStore((s) => s.setConfusionCell)
  const drawn = useRef<{ event: ConfusionMatrixEvent; mode: Mode } | null>(null)
  const event = runId ? shownMatrix(state, choice, step) : null
  const test = step === null ? state.test : null
  const hasVal = state.val.length > 0
  const labels = event?.labels ?? []
  const labelKey = labels.join('\u0000')
  const withText = labels.length <= MAX_TEXT_LABELS

  useFrameDraw(
    table,
    () => {
      if (!table) return false
      if (!event) {
        drawn.current = null
        for (const key of Object.keys(table.dataset)) delete table.dataset[key]
        return false
      }
      const last = drawn.current
      if (last && last.event === event && last.mode === mode) return false
      const normalised = mode === 'normalised'
      const cells = table.querySelectorAll<HTMLButtonElement>('button.cm-cell')
      const n = event.labels.length
      if (cells.length !== n * n) return false // laid out for other labels: the next render draws
      cells.forEach((cell, k) => {
        const truth = Math.floor(k / n)
        const predicted = k % n
        const { text, name, t } = cellText(event.labels, event.matrix, truth, predicted, normalised)
        const { background, light } = cellColor(t)
        cell.style.background = background
        cell.classList.toggle('is-light', light)
        if (withText) cell.textContent = text
        cell.setAttribute('aria-label', name)
        cell.title = name
      })
      drawn.current = { event, mode }
      table.dataset.split = event.split
      table.dataset.epoch = String(event.epoch ?? '')
      table.dataset.runId = runId
      return true
    },
    [runId, event, mode, labelKey, version],
    { name: 'confusion', runId, minIntervalMs: 100 },
  )

  const pick = (truth: number, predicted: number) => {
    const shown = drawn.current?.event
    if (!shown) return
    setConfusionCell({ runId, split: shown.split === 'test' ? 'test' : 'val', true: truth, predicted })
  }

  return (
    <figure className="chart-card">
      <figcaption>
        Confusion matrix <span className="chart-sub">{event ? describe(event) : 'rows: true class'}</span>
        <span className="chart-tools">
          {test && hasVal ? (
            <span className="segmented" role="group" aria-label="Which split">
              <button type="button" aria-pressed={event?.split !== 'test'} onClick={() => setChoice('val')}>
                Validation
              </button>
              <button type="button" aria-pressed={event?.split === 'test'} onClick={() => setChoice('test')}>
                Test
              </button>
            </span>
          ) : null}
          <span className="segmented" role="group" aria-label="Show as">
            <button type="button" aria-pressed={mode === 'counts'} onClick={() => setMode('counts')}>
              Counts
            </button>
            <button type="button" aria-pressed={mode === 'normalised'} onClick={() => setMode('normalised')}>
              Normalised
            </button>
          </span>
        </span>
      </figcaption>
      <div className="chart-wrap cm-wrap">
        <table
          ref={setTable}
          className={`cm ${withText ? '' : 'cm-many'}`}
          aria-label="Confusion matrix"
          style={{ ['--cm-n' as string]: Math.max(1, labels.length) }}
        >
          {labels.length > 0 ? (
            <>
              <caption className="cm-axis-x">predicted</caption>
              <thead>
                <tr>
                  <th scope="col" className="cm-corner">
                    <span className="cm-axis-y">true</span>
                  </th>
                  {labels.map((label) => (
                    <th key={label} scope="col" title={label}>
                      {label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {labels.map((label, truth) => (
                  <tr key={label}>
                    <th scope="row" title={label}>
                      {label}
                    </th>
                    {labels.map((other, predicted) => (
                      <td key={other}>
                        <button type="button" className="cm-cell" onClick={() => pick(truth, predicted)} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </>
          ) : null}
        </table>
        {!event ? <p className="chart-empty">The matrix appears after epoch 1.</p> : null}
      </div>
    </figure>
  )
}
