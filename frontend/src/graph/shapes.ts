/** Shapes and counts as learners read them. */

/** `[128]` → `(batch, 128)`; `[1, 28, 28]` → `(batch, 1, 28, 28)`; null → `?`. */
export function formatShape(shape: readonly number[] | null | undefined): string {
  if (!shape) return '?'
  return `(${['batch', ...shape.map(String)].join(', ')})`
}

/** `101770` → `101,770`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** `101770` → `101.8k`, `1234567` → `1.23M` (for tight spaces). */
export function formatCompact(n: number): string {
  if (n < 1000) return String(n)
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}k`
  return `${(n / 1_000_000).toFixed(2)}M`
}
