import { describe, expect, it } from 'vitest'
import { formatDuration, formatNumber, formatPercent, formatRate, formatWhen } from './format'

describe('format', () => {
  it('prints percentages, numbers, durations and rates', () => {
    expect(formatPercent(0.964)).toBe('96.4%')
    expect(formatNumber(0.123456)).toBe('0.1235')
    expect(formatNumber(0.00001234)).toBe('1.23e-5')
    expect(formatNumber(Number.NaN)).toBe('—')
    expect(formatDuration(0.84)).toBe('0.8 s')
    expect(formatDuration(-1)).toBe('0.0 s')
    expect(formatDuration(12.3)).toBe('12 s')
    expect(formatDuration(59.7)).toBe('1:00')
    expect(formatDuration(75)).toBe('1:15')
    expect(formatDuration(3725)).toBe('1:02:05')
    expect(formatRate(5234.4)).toBe('5,234')
    expect(formatRate(52344)).toBe('52k')
  })
  it('prints how long ago a time in epoch seconds was', () => {
    const now = Date.parse('2025-01-01T12:00:00Z')
    expect(formatWhen(now / 1000 - 30, now)).toBe('30 s ago')
    expect(formatWhen(now / 1000 - 600, now)).toBe('10 min ago')
    expect(formatWhen(null, now)).toBe('')
  })
})
