/** Palette groups in the order learners meet them, with their display names. */
export const CATEGORY_ORDER = [
  'input',
  'dense',
  'convolution',
  'activation',
  'regularization',
  'sequence',
  'attention',
  'merge',
] as const

export const CATEGORY_TITLES: Record<string, string> = {
  input: 'Input & shape',
  dense: 'Dense',
  convolution: 'Convolution',
  activation: 'Activation',
  regularization: 'Regularization',
  sequence: 'Sequence',
  attention: 'Attention',
  merge: 'Merge',
}

/** Sort key of a category (unknown ones last, alphabetically). */
export function categoryRank(category: string): number {
  const i = (CATEGORY_ORDER as readonly string[]).indexOf(category)
  return i === -1 ? CATEGORY_ORDER.length : i
}

/** The MIME type a palette entry carries while it is dragged. */
export const DRAG_MIME = 'application/x-layerlab-layer'
