import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeRelative, FUTURE_TOLERANCE_MS, NOW_REFRESH_MS, relativeTime } from '../../ui/src/format/time.js';

const NOW = 1_765_000_000_000;

describe('relative times in the UI', () => {
  it('says how long ago in the largest whole unit', () => {
    expect(relativeTime(null, 0)).toBe('never');
    expect(relativeTime(1_000, 3_000)).toBe('just now');
    expect(relativeTime(0, 42_000)).toBe('42s ago');
    expect(relativeTime(60_000, 180_000)).toBe('2m ago');
    expect(relativeTime(0, 5 * 3_600_000)).toBe('5h ago');
    expect(relativeTime(0, 3 * 86_400_000 + 5)).toBe('3d ago');
  });

  it('reads "just now", never "in 5s", for a time at or just past the page\'s clock (a live update between refreshes)', () => {
    expect(describeRelative(NOW, NOW)).toEqual({ text: 'just now', future: false });
    expect(describeRelative(NOW + 5_000, NOW)).toEqual({ text: 'just now', future: false });
    expect(describeRelative(NOW + NOW_REFRESH_MS, NOW)).toEqual({ text: 'just now', future: false });
    expect(describeRelative(NOW + FUTURE_TOLERANCE_MS, NOW)).toEqual({ text: 'just now', future: false });
  });

  it('shows a real future time (a skewed clock) as such, marked', () => {
    expect(describeRelative(NOW + FUTURE_TOLERANCE_MS + 1, NOW)).toEqual({ text: 'in 30s', future: true });
    expect(describeRelative(NOW + 120_000, NOW)).toEqual({ text: 'in 2m', future: true });
    expect(describeRelative(NOW + 3 * 86_400_000, NOW)).toEqual({ text: 'in 3d', future: true });
    expect(describeRelative(NOW + 10_000, NOW, 1_000)).toEqual({ text: 'in 10s', future: true });
  });

  it('the tolerance covers at least the clock refresh interval', () => {
    expect(FUTURE_TOLERANCE_MS).toBeGreaterThanOrEqual(NOW_REFRESH_MS);
  });

  it('treats a non-finite time or clock as unknown', () => {
    expect(describeRelative(Number.NaN, NOW)).toEqual({ text: 'never', future: false });
    expect(describeRelative(NOW, Number.POSITIVE_INFINITY)).toEqual({ text: 'never', future: false });
  });

  it('never says "in" without marking it, and never marks a time within the tolerance (property)', () => {
    fc.assert(fc.property(fc.integer({ min: -400 * 86_400_000, max: 400 * 86_400_000 }), (offset) => {
      const r = describeRelative(NOW + offset, NOW);
      expect(r.text.startsWith('in ')).toBe(r.future);
      expect(r.future).toBe(offset > FUTURE_TOLERANCE_MS);
      if (offset >= -5_000 && offset <= FUTURE_TOLERANCE_MS) expect(r.text).toBe('just now');
      if (offset < -5_000) expect(r.text).toMatch(/^\d+[smhd] ago$/);
    }));
  });
});
