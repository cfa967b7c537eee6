/**
 * The one module that imports plotly.js: only its core (which draws `scatter` lines and
 * markers), in its own chunk, loaded on demand by the one view that plots with it — the
 * comparison of runs (CompareRuns.tsx). The live charts draw on canvas (lineChart.ts,
 * boundaryCanvas.ts) or as a table (the confusion matrix), so opening the page or watching a
 * run fetches no plotly at all. Also the shared look of a plotly chart (transparent
 * background, the page's text colour, bigger fonts in presenter mode) and the series colours.
 */

import type { Config, Layout } from 'plotly.js'

export type PlotlyApi = (typeof import('plotly.js'))['default']
export type { Config, Data, Layout } from 'plotly.js'

let core: Promise<PlotlyApi> | null = null

/** plotly.js (its core), imported once; later calls share the same promise. */
export function loadPlotly(): Promise<PlotlyApi> {
  core ??= import('plotly.js/lib/core').then((module) => module.default)
  return core
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
