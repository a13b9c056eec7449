import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToSeries, bucketsHeld, emptySeries, HOUR_MS, hourWindow, MINUTE_MS, minuteWindow, pruneSeries } from '../../../hub/state/series.js';

const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);

describe('series', () => {
  it('adds growth within one minute to one bucket of each resolution', () => {
    const s = emptySeries();
    addToSeries(s, T0 + 30_000, 2);
    addToSeries(s, T0 + 50_000, 3);
    expect(minuteWindow(s, T0 + 59_000, 1).values).toEqual([5]);
    expect(hourWindow(s, T0 + 59_000, 1).values).toEqual([5]);
    expect(bucketsHeld(s)).toBe(2);
  });

  it('lays a window out oldest first, ending with the bucket of now', () => {
    const s = emptySeries();
    addToSeries(s, T0, 1);
    addToSeries(s, T0 + 2 * MINUTE_MS, 4);
    const w = minuteWindow(s, T0 + 2 * MINUTE_MS + 10, 3);
    expect(w).toEqual({ start: T0, stepMs: MINUTE_MS, values: [1, 0, 4] });
  });

  it('keeps minutes for 2 hours and hours for 7 days', () => {
    const s = emptySeries();
    addToSeries(s, T0, 7);
    addToSeries(s, T0 + 3 * HOUR_MS, 1);
    expect(s.minutes).toEqual([Math.floor((T0 + 3 * HOUR_MS) / MINUTE_MS), 1]);
    expect(hourWindow(s, T0 + 3 * HOUR_MS).values.slice(-4)).toEqual([7, 0, 0, 1]);
  });

  it('holds nothing once a group has been idle for 7 days', () => {
    const s = emptySeries();
    addToSeries(s, T0, 7);
    expect(pruneSeries(s, T0 + 6 * 24 * HOUR_MS)).toBe(s);
    expect(pruneSeries(s, T0 + 7 * 24 * HOUR_MS)).toBeNull();
  });

  it('ignores growth that is not positive', () => {
    const s = emptySeries();
    addToSeries(s, T0, 0);
    addToSeries(s, T0, Number.NaN);
    expect(bucketsHeld(s)).toBe(0);
  });

  it('keeps buckets in order when the clock goes backwards', () => {
    const s = emptySeries();
    addToSeries(s, T0 + 5 * MINUTE_MS, 1);
    addToSeries(s, T0 + 2 * MINUTE_MS, 2);
    addToSeries(s, T0 + 5 * MINUTE_MS, 3);
    expect(minuteWindow(s, T0 + 5 * MINUTE_MS, 4).values).toEqual([2, 0, 0, 4]);
  });

  it('shows in each window exactly the growth added inside it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10 * 24 * 60 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 60 }), (adds) => {
        const sorted = [...adds].sort((a, b) => a[0] - b[0]);
        const s = emptySeries();
        for (const [minute, n] of sorted) addToSeries(s, T0 + minute * MINUTE_MS, n);
        const now = T0 + 10 * 24 * 60 * MINUTE_MS;
        const minutes = minuteWindow(s, now);
        const hours = hourWindow(s, now);
        const inside = (w: { start: number; stepMs: number; values: number[] }) =>
          sorted.filter(([m]) => T0 + m * MINUTE_MS >= w.start).reduce((sum, [, n]) => sum + n, 0);
        expect(minutes.values.reduce((a, b) => a + b, 0)).toBe(inside(minutes));
        expect(hours.values.reduce((a, b) => a + b, 0)).toBe(inside(hours));
        expect(bucketsHeld(s)).toBeLessThanOrEqual(120 + 168);
      }),
    );
  });
});
