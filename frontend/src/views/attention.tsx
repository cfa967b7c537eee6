/**
 * The attention view: for the newest text sample (or the text asked of a finished run), each
 * attention node's and head's map — row i is how much character i looked at each earlier
 * character j (a causal model has nothing above the diagonal). Hover a character in the strip
 * to see which characters it looked at; hover a cell of the matrix for its weight.
 */

import { useMemo, useRef, useState } from 'react'
import type { AttentionMap } from '../api/runsApi'
import { prepare, sequential } from '../inside/draw'
import { decoded } from '../inside/quantized'
import { useFrameDraw } from './frameDraw'
import { registerView, type ViewProps } from './registry'
import { initText, reduceText, useGeneratedText, type TextState } from './textSamples'

/** `-1`: the mean over the heads. */
export type HeadChoice = number

/** The `L×L` weights of one head (or their mean over the heads, `head` = -1), row-major. */
export function headWeights(map: AttentionMap, head: HeadChoice): { size: number; values: Float32Array } {
  const d = decoded(map.weights)
  const [heads, size] = [d.shape[0] ?? 1, d.shape[1] ?? 0]
  const cells = size * size
  if (head >= 0) return { size, values: d.values.subarray(head * cells, (head + 1) * cells) }
  const mean = new Float32Array(cells)
  for (let h = 0; h < heads; h += 1) for (let i = 0; i < cells; i += 1) mean[i] += d.values[h * cells + i] / heads
  return { size, values: mean }
}

const showChar = (c: string) => (c === '\n' ? '↵' : c === ' ' ? '␣' : c)

interface MatrixProps {
  runId: string
  map: AttentionMap
  head: HeadChoice
  /** `headWeights(map, head)`, computed once by the view. */
  weights: { size: number; values: Float32Array }
  hover: number | null
  onHover: (cell: [number, number] | null) => void
}

function Matrix({ runId, map, head, weights, hover, onHover }: MatrixProps) {
  const [element, setElement] = useState<HTMLDivElement | null>(null)
  const canvas = useRef<HTMLCanvasElement | null>(null)
  const { size, values } = weights
  const px = Math.max(4, Math.min(10, Math.floor(320 / Math.max(1, size))))
  const side = px * size
  useFrameDraw(
    element,
    () => {
      const target = canvas.current
      if (!target || size === 0) return false
      const ctx = prepare(target, side, side)
      if (!ctx) return false
      let top = 0
      for (let i = 0; i < values.length; i += 1) top = Math.max(top, values[i])
      for (let i = 0; i < size; i += 1) {
        for (let j = 0; j < size; j += 1) {
          const [r, g, b] = sequential(top > 0 ? values[i * size + j] / top : 0)
          ctx.fillStyle = `rgb(${r},${g},${b})`
          ctx.fillRect(j * px, i * px, px, px)
        }
      }
      if (hover !== null) {
        ctx.strokeStyle = '#f59322'
        ctx.lineWidth = 1.5
        ctx.strokeRect(0.75, hover * px + 0.75, side - 1.5, px - 1.5)
      }
      if (element) {
        element.dataset.size = String(size)
        element.dataset.node = map.node_id
        element.dataset.head = String(head)
        element.dataset.upper = String(upperMass(values, size))
      }
      return true
    },
    [weights, hover],
    { name: 'attention', runId },
  )
  return (
    <div
      ref={setElement}
      className="attention-matrix"
      role="img"
      aria-label={`Attention map of ${map.node_id}`}
      onMouseMove={(e) => {
        const box = e.currentTarget.getBoundingClientRect()
        const i = Math.floor((e.clientY - box.top) / px)
        const j = Math.floor((e.clientX - box.left) / px)
        onHover(i >= 0 && j >= 0 && i < size && j < size ? [i, j] : null)
      }}
      onMouseLeave={() => onHover(null)}
    >
      <canvas ref={canvas} />
    </div>
  )
}

/** The weight above the diagonal (what a character looked at after itself): 0 for a causal model. */
export function upperMass(values: Float32Array, size: number): number {
  let sum = 0
  for (let i = 0; i < size; i += 1) for (let j = i + 1; j < size; j += 1) sum += values[i * size + j]
  return Math.round(sum * 1e4) / 1e4
}

export function AttentionView({ runId, state }: ViewProps<TextState>) {
  const generated = useGeneratedText((s) => (runId ? s.byRun[runId] : undefined))
  const latest = state.samples.findLast((s) => s.attention.length > 0) ?? null
  const sample = !state.live && generated && generated.attention.length > 0 ? generated : latest
  const [nodeId, setNodeId] = useState<string | null>(null)
  const [head, setHead] = useState<HeadChoice>(-1)
  const [row, setRow] = useState<number | null>(null)
  const [cell, setCell] = useState<[number, number] | null>(null)
  const map = sample ? (sample.attention.find((m) => m.node_id === nodeId) ?? sample.attention[0]) : null
  const chosenHead = map && head < map.num_heads ? head : -1
  const weights = useMemo(() => (map ? headWeights(map, chosenHead) : null), [map, chosenHead])
  if (!sample || !map || !weights) {
    return (
      <figure className="chart-card attention-card" aria-label="Attention">
        <figcaption>Attention</figcaption>
        <p className="chart-empty">{runId ? 'The maps arrive with the first text sample…' : 'Train a Transformer to see what each character looks at.'}</p>
      </figure>
    )
  }
  const { size, values } = weights
  const focus = cell ? cell[0] : row
  let top = 0
  if (focus !== null) for (let j = 0; j < size; j += 1) top = Math.max(top, values[focus * size + j])
  return (
    <figure className="chart-card attention-card" aria-label="Attention">
      <figcaption>
        Attention <span className="chart-sub">which earlier characters each character looked at</span>
      </figcaption>
      <div className="attention-pick" role="group" aria-label="Attention layer">
        {sample.attention.map((m) => (
          <button key={m.node_id} type="button" className={`btn chip${m === map ? ' is-on' : ''}`} aria-pressed={m === map} onClick={() => setNodeId(m.node_id)}>
            {m.node_id}
          </button>
        ))}
      </div>
      <div className="attention-pick" role="group" aria-label="Head">
        <button type="button" className={`btn chip${chosenHead === -1 ? ' is-on' : ''}`} aria-pressed={chosenHead === -1} onClick={() => setHead(-1)}>
          all heads
        </button>
        {Array.from({ length: map.num_heads }, (_, h) => (
          <button key={h} type="button" className={`btn chip${chosenHead === h ? ' is-on' : ''}`} aria-pressed={chosenHead === h} onClick={() => setHead(h)}>
            head {h + 1}
          </button>
        ))}
      </div>
      <p className="attention-strip" aria-label="Characters (hover one)" onMouseLeave={() => setRow(null)}>
        {map.tokens.map((c, j) => {
          const w = focus !== null && top > 0 ? values[focus * size + j] / top : 0
          return (
            <span
              key={j}
              className={`attention-char${j === focus ? ' is-focus' : ''}`}
              style={focus !== null && j !== focus ? { background: `rgba(8, 119, 189, ${w.toFixed(3)})`, color: w > 0.6 ? '#fff' : undefined } : undefined}
              onMouseEnter={() => setRow(j)}
              title={focus !== null ? `${(values[focus * size + j] * 100).toFixed(1)} %` : undefined}
            >
              {showChar(c)}
            </span>
          )
        })}
      </p>
      <Matrix runId={runId} map={map} head={chosenHead} weights={weights} hover={focus} onHover={setCell} />
      <p className="chart-sub attention-readout">
        {cell
          ? `“${showChar(map.tokens[cell[0]])}” (position ${cell[0] + 1}) gave “${showChar(map.tokens[cell[1]])}” (position ${cell[1] + 1}) ${(values[cell[0] * size + cell[1]] * 100).toFixed(1)} % of its attention.`
          : 'Rows: the character looking; columns: the characters it looks at. Hover a character or a cell.'}
      </p>
    </figure>
  )
}

registerView<TextState>({
  id: 'attention',
  title: 'Attention',
  description:
    'For each attention layer and head, how much each character of the newest sample looked at each earlier one: heads that look one character back, at the start of the word or at the last newline are a Transformer learning the corpus.',
  eventTypes: ['status', 'samples'],
  places: ['dashboard'],
  order: 16,
  init: initText,
  reduce: reduceText,
  isAvailable: (state) => state.samples.some((s) => s.attention.length > 0),
  Component: AttentionView,
})
