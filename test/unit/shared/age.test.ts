import { describe, expect, it } from 'vitest';
import { formatAge, formatSpan } from '../../../shared/age.js';

describe('durations for people', () => {
  it('rounds to the largest unit that is under its next one: seconds, minutes, hours, days', () => {
    expect(formatSpan(0)).toBe('0s');
    expect(formatSpan(19_400)).toBe('19s');
    expect(formatSpan(59_499)).toBe('59s');
    expect(formatSpan(60_000)).toBe('1m');
    expect(formatSpan(12 * 60_000 + 29_000)).toBe('12m');
    expect(formatSpan(3_600_000)).toBe('1h');
    expect(formatSpan(23 * 3_600_000)).toBe('23h');
    expect(formatSpan(86_400_000)).toBe('1d');
    expect(formatSpan(10 * 86_400_000)).toBe('10d');
  });
  it('never says a negative time (a clock set back)', () => {
    expect(formatSpan(-5000)).toBe('0s');
  });
  it('cache ls and the app say how long ago a date was', () => {
    const now = Date.parse('2026-12-02T09:00:00Z');
    expect(formatAge('2026-12-02T08:48:00Z', now)).toBe('12m ago');
    expect(formatAge('2026-11-29T09:00:00Z', now)).toBe('3d ago');
  });
});
