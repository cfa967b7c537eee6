/** Number and time formats of the dashboard (one place, so every view prints alike). */

export function formatPercent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`
}

export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2)
  return Number(value.toPrecision(digits)).toString()
}

/** 0.84 → "0.8 s", 12.3 → "12 s", 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (seconds < 9.95) return `${Math.max(0, seconds).toFixed(1)} s`
  if (seconds < 59.5) return `${Math.round(seconds)} s`
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

export function formatRate(samplesPerS: number): string {
  if (samplesPerS >= 10_000) return `${Math.round(samplesPerS / 1000)}k`
  return Math.round(samplesPerS).toLocaleString('en-US')
}

/** "12 s ago", "3 min ago", or a date; `when` in seconds since the epoch. */
export function formatWhen(when: number | null | undefined, nowMs = Date.now()): string {
  if (when == null || !Number.isFinite(when)) return ''
  const ago = Math.max(0, nowMs / 1000 - when)
  if (ago < 60) return `${Math.round(ago)} s ago`
  if (ago < 3600) return `${Math.round(ago / 60)} min ago`
  if (ago < 86400) return `${Math.round(ago / 3600)} h ago`
  return new Date(when * 1000).toLocaleDateString()
}
