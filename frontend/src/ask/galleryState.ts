/**
 * The gallery's filter and pages: a confusion-matrix cell picked for this run filters it to
 * that cell (of the cell's split); "More" appends the next page; a new filter or a refresh
 * (new weights) starts again from the first page.
 */

import type { GalleryItem, PredictionSplit, PredictionsPage } from '../api/runsApi'
import type { ConfusionCell } from '../store/runStore'

export interface GalleryFilter {
  split: PredictionSplit
  trueClass: number | null
  predicted: number | null
}

/** The filter for `runId`: the picked cell when it is this run's, else all of the test split. */
export function galleryFilter(runId: string, cell: ConfusionCell | null): GalleryFilter {
  if (cell && cell.runId === runId) return { split: cell.split, trueClass: cell.true, predicted: cell.predicted }
  return { split: 'test', trueClass: null, predicted: null }
}

export function sameFilter(a: GalleryFilter, b: GalleryFilter): boolean {
  return a.split === b.split && a.trueClass === b.trueClass && a.predicted === b.predicted
}

/** The line over a filtered gallery ("Showing true 3 predicted as 8"); null when it is not filtered. */
export function filterLine(filter: GalleryFilter, labels: readonly string[] | null): string | null {
  if (filter.trueClass === null || filter.predicted === null) return null
  const name = (k: number) => labels?.[k] ?? String(k)
  const split = filter.split === 'test' ? '' : filter.split === 'val' ? ' (validation examples)' : ' (training examples)'
  return `Showing true ${name(filter.trueClass)} predicted as ${name(filter.predicted)}${split}`
}

export interface GalleryPages {
  filter: GalleryFilter
  items: GalleryItem[]
  total: number
  misclassified: number
  labels: string[]
  epoch: number
}

/**
 * Fold a page in: the first page (offset 0) or a page of another filter replaces what was
 * there, a later page of the same filter is appended (examples already shown are not repeated).
 */
export function addPage(pages: GalleryPages | null, filter: GalleryFilter, page: PredictionsPage): GalleryPages {
  if (!pages || page.offset === 0 || !sameFilter(pages.filter, filter)) {
    return { filter, items: page.items.slice(), total: page.total, misclassified: page.misclassified, labels: page.labels, epoch: page.epoch }
  }
  const seen = new Set(pages.items.map((i) => i.index))
  return {
    ...pages,
    items: pages.items.concat(page.items.filter((i) => !seen.has(i.index))),
    total: page.total,
    misclassified: page.misclassified,
    epoch: page.epoch,
  }
}

/** Whether "More" has something to fetch. */
export function hasMore(pages: GalleryPages | null): boolean {
  return !!pages && pages.items.length < pages.total
}

/** Refresh the gallery no more often than this while the run trains (ms). */
export const REFRESH_MS = 3000

/**
 * When to fetch again for a new `epoch` of a training run: now if the last fetch was at least
 * `REFRESH_MS` ago, else the ms to wait (a run that ended is fetched at once).
 */
export function refreshDelay(lastFetch: number | null, now: number, ended: boolean): number {
  if (ended || lastFetch === null) return 0
  return Math.max(0, lastFetch + REFRESH_MS - now)
}
