/**
 * The decision boundary on 2-D data (TensorFlow Playground's signature view): the plane
 * coloured by the model's prediction, the data points on top. Two classes blend orange to
 * blue through white by the predicted probability; more classes get one colour each;
 * regression shows the predicted value. The `boundary` view (views/boundary.tsx): scrubbed to a
 * step it shows the boundary of that time; a click on the plane sets the run store's
 * `planePoint` (drawn as a ring).
 *
 * Drawn on a canvas (training/boundaryCanvas.ts): the grid is a small image (one pixel a cell)
 * drawn scaled, so a draw costs about a millisecond and the view can follow a fast run. Draws go
 * through the views' scheduler (`useFrameDraw`): at most every `MIN_INTERVAL_MS`, newest state,
 * none out of sight. The chart carries `data-epoch` and `data-run-id` of what it last drew.
 */

import { useCallback, useRef, useState, type MouseEvent } from 'react'
import type { DecisionBoundaryEvent } from '../api/events'
import { prepare } from '../inside/draw'
import { useEditorStore } from '../store/editorStore'
import { useRunStore } from '../store/runStore'
import type { BoundaryState } from '../views/boundary'
import { useFrameDraw } from '../views/frameDraw'
import { useCanvasBox } from './useCanvasBox'
import { snapshotAt } from '../views/history'
import type { ViewProps } from '../views/registry'
import './boundary.css'
import {
  boundarySurface,
  classCount,
  classRgb,
  coloringFor,
  divergingGradient,
  drawBoundary,
  fromPixel,
  hoverText,
  layoutPlane,
  marginsFor,
  planePixels,
  rgbText,
  roundForRange,
  type Coloring,
  type PlaneLayout,
} from './boundaryCanvas'
import type { Task } from './reduceEvents'

export { boundarySurface, linspace } from './boundaryCanvas'

/** Least time between two draws, ms: a draw is cheap, a new boundary comes a few times a second at most. */
const MIN_INTERVAL_MS = 100

/** Class names of the run: its confusion matrices', else its data set's. */
function useClassLabels(runId: string, fromRun: string[] | null): string[] | null {
  const datasetName = useRunStore((s) => (runId ? (s.runs.find((r) => r.id === runId)?.dataset ?? null) : null))
  const editorDataset = useEditorStore((s) => s.datasetRef?.name ?? null)
  const names = useEditorStore((s) => s.datasets.find((d) => d.name === (datasetName ?? editorDataset))?.class_names ?? null)
  return fromRun ?? names ?? null
}

/** How to colour `event`: before the first epoch event names the task, a grid without probabilities is a regression surface. */
function coloringOf(event: DecisionBoundaryEvent, stateTask: Task | null, labels: string[] | null): Coloring {
  const task = stateTask === 'classification' || stateTask === 'regression' ? stateTask : !event.probabilities ? 'regression' : 'classification'
  return coloringFor(event, task, classCount(event, labels))
}

/** The plane's image, kept while the boundary and its colouring stay the same (hover and resize redraws reuse it). */
interface PlaneImageCache {
  event: DecisionBoundaryEvent
  key: string
  canvas: HTMLCanvasElement
  cols: number
  rows: number
}

function paintPlane(cache: PlaneImageCache | null, event: DecisionBoundaryEvent, coloring: Coloring, classes: number): PlaneImageCache {
  const key = JSON.stringify(coloring) + classes
  if (cache && cache.event === event && cache.key === key) return cache
  const { data, cols, rows } = planePixels(boundarySurface(event, coloring.kind === 'binary' ? 2 : classes), coloring)
  const canvas = cache?.canvas ?? document.createElement('canvas')
  if (cols === 0 || rows === 0) return { event, key, canvas, cols, rows }
  canvas.width = cols
  canvas.height = rows
  canvas.getContext('2d')?.putImageData(new ImageData(data, cols, rows), 0, 0)
  return { event, key, canvas, cols, rows }
}

interface Hover {
  px: number
  py: number
}

export function DecisionBoundary({ runId, state, step, version }: ViewProps<BoundaryState>) {
  const [element, setElement] = useState<HTMLDivElement | null>(null)
  const canvas = useRef<HTMLCanvasElement | null>(null)
  const layout = useRef<PlaneLayout | null>(null)
  const image = useRef<PlaneImageCache | null>(null)
  const [hover, setHover] = useState<Hover | null>(null)
  const presenter = useEditorStore((s) => s.presenter)
  const labels = useClassLabels(runId, state.labels)
  const setPlanePoint = useRunStore((s) => s.setPlanePoint)
  const picked = useRunStore((s) => (runId && s.planePoint?.runId === runId ? s.planePoint : null))
  const event = runId ? snapshotAt(state.history, step) : null

  const { size, color, resized } = useCanvasBox(element, presenter)

  const draw = () => {
    const target = canvas.current
    const { width, height } = size.current
    if (!element || !target || width <= 0 || height <= 0) return false
    const ctx = prepare(target, width, height)
    if (!ctx) return false
    // Read when the draw runs: the newest boundary (the state is appended in place).
    const current = runId ? snapshotAt(state.history, step) : null
    if (!current) {
      layout.current = null
      for (const key of Object.keys(element.dataset)) delete element.dataset[key]
      return false
    }
    const coloring = coloringOf(current, state.task, labels)
    image.current = paintPlane(image.current, current, coloring, classCount(current, labels))
    const { canvas: plane, cols, rows } = image.current
    layout.current = drawBoundary(
      ctx,
      width,
      height,
      { plane: current, coloring, presenter, color: color.current, picked: picked ? [picked.x, picked.y] : null },
      plane,
      cols,
      rows,
    )
    element.dataset.epoch = String(current.epoch ?? '')
    element.dataset.runId = runId
    return true
  }
  useFrameDraw(element, draw, [runId, state, version, step, labels, presenter, picked, resized], {
    name: 'boundary',
    runId,
    minIntervalMs: MIN_INTERVAL_MS,
  })

  const onMove = useCallback((e: MouseEvent<HTMLDivElement>) => {
    const l = layout.current
    const box = e.currentTarget.getBoundingClientRect()
    const px = e.clientX - box.left
    const py = e.clientY - box.top
    setHover(l && fromPixel(l, px, py) ? { px, py } : null)
  }, [])

  const onClick = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      const l = layout.current
      if (!l || !runId) return
      const box = e.currentTarget.getBoundingClientRect()
      const at = fromPixel(l, e.clientX - box.left, e.clientY - box.top)
      if (!at) return
      setPlanePoint({ runId, x: roundForRange(at[0], l.x1 - l.x0), y: roundForRange(at[1], l.y1 - l.y0) })
    },
    [runId, setPlanePoint],
  )

  const coloring = event ? coloringOf(event, state.task, labels) : null
  // One entry per class among the points (a few hundred: cheap each render).
  const legend: { c: number; name: string }[] = []
  if (event && coloring && coloring.kind !== 'regression') {
    const present = new Set<number>()
    for (const p of event.points) present.add(Math.round(p[2]))
    for (const c of [...present].sort((a, b) => a - b)) legend.push({ c, name: labels?.[c] ?? `class ${c}` })
  }

  // Where the plot area lies (the same layout the draw uses): the legend sits on its top edge.
  const area = event ? layoutPlane(size.current.width, size.current.height, event.x_range, event.y_range, marginsFor(presenter)) : null
  const l = layout.current
  const at = hover && l ? fromPixel(l, hover.px, hover.py) : null
  const read = at && event && coloring ? hoverText(event, coloring, labels, at[0], at[1]) : null
  const flip = hover !== null && hover.px > size.current.width * 0.5
  return (
    <figure className="chart-card">
      <figcaption>
        Decision boundary{' '}
        <span className="chart-sub">{event?.epoch != null ? `after epoch ${event.epoch}` : 'the plane coloured by the prediction'}</span>
      </figcaption>
      <div className="chart-wrap">
        <div
          ref={setElement}
          className="chart chart-square boundary-chart"
          role="img"
          aria-label="Decision boundary"
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
          onClick={onClick}
        >
          <canvas ref={canvas} />
          {area && (legend.length > 0 || coloring?.kind === 'regression') ? (
            <ul className="boundary-legend" aria-hidden="true" style={{ left: area.left, bottom: size.current.height - area.top + 3 }}>
              {coloring?.kind === 'regression' ? (
                <li>
                  prediction {Number(coloring.low.toPrecision(3))}
                  <span className="bar" style={{ background: divergingGradient() }} />
                  {Number(coloring.high.toPrecision(3))}
                </li>
              ) : (
                legend.map((entry) => (
                  <li key={entry.c}>
                    <span className="dot" style={{ background: rgbText(classRgb(entry.c)) }} />
                    {entry.name}
                  </li>
                ))
              )}
            </ul>
          ) : null}
          {read && hover ? (
            <div
              className="chart-hover"
              style={{ ...(flip ? { right: size.current.width - hover.px + 12 } : { left: hover.px + 12 }), top: Math.max(0, hover.py - 12) }}
            >
              <span>{read.position}</span>
              <strong>{read.value}</strong>
            </div>
          ) : null}
        </div>
        {!event ? <p className="chart-empty">The boundary appears after the first epoch.</p> : null}
      </div>
    </figure>
  )
}
