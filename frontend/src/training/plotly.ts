/**
 * The one module that imports plotly.js, built from its parts: the core (which draws `scatter`
 * lines and markers) is loaded on demand in its own chunk, so the editor paints before it
 * arrives; heavier trace types (the `heatmap` of the confusion matrix and the decision
 * boundary) are separate chunks, fetched and registered when a chart first draws one
 * (`loadPlotly(['heatmap'])`). A chart whose trace type was never loaded would draw nothing,
 * so every draw names the types it uses. Also the shared look of every chart (transparent
 * background, the page's text colour, bigger fonts in presenter mode).
 */

import type { Config, Layout, PlotlyModule } from 'plotly.js'

export type PlotlyApi = (typeof import('plotly.js'))['default']
export type { Config, Data, Layout } from 'plotly.js'

/** Trace types beyond `scatter` (which the core always has), each loaded when first needed. */
export type ExtraTrace = 'heatmap'

const TRACE_MODULES: Record<ExtraTrace, () => Promise<PlotlyModule>> = {
  heatmap: () => import('plotly.js/lib/heatmap').then((module) => module.default),
}

let core: Promise<PlotlyApi> | null = null
const registered = new Map<ExtraTrace, Promise<void>>()

/**
 * plotly.js with `scatter` and the given trace types registered, imported once; later calls
 * share the same promises (a trace type is fetched and registered at most once).
 */
export function loadPlotly(traces: readonly ExtraTrace[] = []): Promise<PlotlyApi> {
  core ??= import('plotly.js/lib/core').then((module) => module.default)
  const plotly = core
  if (traces.length === 0) return plotly
  const ready = traces.map((trace) => {
    let once = registered.get(trace)
    if (!once) {
      once = Promise.all([plotly, TRACE_MODULES[trace]()]).then(([api, module]) => api.register(module))
      // A failed fetch (the network dropped) is tried again by the next draw.
      once.catch(() => registered.delete(trace))
      registered.set(trace, once)
    }
    return once
  })
  return Promise.all(ready).then(() => plotly)
}

/** Start loading the plotly.js core while the browser is idle (the line charts then draw at once). */
export function preloadPlotly(): void {
  const start = () => void loadPlotly()
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(start, { timeout: 2000 })
  else window.setTimeout(start, 200)
}

/** Class names have their own colours, in the order of TensorFlow Playground's two (orange, blue). */
export const CLASS_COLORS = ['#f59322', '#0877bd', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']

export const SERIES = {
  train: '#0877bd',
  trainSmooth: '#0b5c94',
  val: '#f59322',
  runA: '#0877bd',
  runB: '#d62728',
}

/** Is the page in presenter (big screen) mode? E1's toggle puts `presenter` on <body>. */
export function isPresenter(): boolean {
  return document.body.classList.contains('presenter') || document.documentElement.classList.contains('presenter')
}

/** The layout every chart starts from; `element` gives the text colour. */
export function baseLayout(element: HTMLElement, presenter: boolean): Partial<Layout> {
  const color = getComputedStyle(element).color || '#333'
  const size = presenter ? 17 : 12
  return {
    autosize: true,
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: 'system-ui, "Segoe UI", Roboto, sans-serif', size, color },
    // Fixed margins: automargin costs a second layout pass on every redraw.
    margin: { l: presenter ? 72 : 56, r: 12, t: 8, b: presenter ? 56 : 42 },
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: size - 1 } },
    xaxis: { gridcolor: 'rgba(128,128,128,0.2)', zeroline: false },
    yaxis: { gridcolor: 'rgba(128,128,128,0.2)', zeroline: false },
    hoverlabel: { font: { size } },
  }
}

export const baseConfig: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'],
  toImageButtonOptions: { format: 'png', scale: 2 },
}
