/** Whether the whole graph is on screen: the minimap is only worth its corner when it is not. */

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

/**
 * True when every node box (flow coordinates) lies inside a `width`×`height` view under the
 * transform `[tx, ty, zoom]` (screen = flow × zoom + t), with `slack` px of tolerance.
 *
 * Example: `graphFitsView([{ x: 0, y: 0, width: 100, height: 50 }], [10, 10, 1], 200, 100)` is true.
 */
export function graphFitsView(
  boxes: Iterable<Box>,
  transform: readonly [number, number, number],
  width: number,
  height: number,
  slack = 2,
): boolean {
  const [tx, ty, zoom] = transform
  for (const b of boxes) {
    const left = b.x * zoom + tx
    const top = b.y * zoom + ty
    if (left < -slack || top < -slack) return false
    if (left + b.width * zoom > width + slack || top + b.height * zoom > height + slack) return false
  }
  return true
}
