import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axisLabels, compactNumber } from '../../ui/src/format/compact.js';

describe('compactNumber', () => {
  it('keeps numbers short in the largest unit that fits', () => {
    expect(compactNumber(0)).toBe('0');
    expect(compactNumber(999)).toBe('999');
    expect(compactNumber(1_000)).toBe('1k');
    expect(compactNumber(1_500)).toBe('1.5k');
    expect(compactNumber(12_000)).toBe('12k');
    expect(compactNumber(12_345)).toBe('12k');
    expect(compactNumber(5_500_000)).toBe('5.5M');
    expect(compactNumber(999_960)).toBe('1M');
    expect(compactNumber(2_000_000_000)).toBe('2B');
    expect(compactNumber(-12_000)).toBe('-12k');
    expect(compactNumber(Number.NaN)).toBe('—');
    expect(compactNumber(null)).toBe('—');
  });

  it('never exceeds 5 characters below a thousand trillion', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_000_000_000_000 }), (n) => {
      expect(compactNumber(n).length).toBeLessThanOrEqual(5);
    }));
  });
});

describe('axisLabels', () => {
  it('writes the 5.5-million-a-minute axis that read "0,000" as compact labels', () => {
    expect(axisLabels([0, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 6_000_000], 1_000_000)).toEqual(['0', '1M', '2M', '3M', '4M', '5M', '6M']);
    expect(axisLabels([0, 2_500, 5_000, 7_500, 10_000, 12_500], 2_500)).toEqual(['0', '2.5k', '5k', '7.5k', '10k', '12.5k']);
  });

  it('shows small axes in full and leaves fractional ticks of a count axis blank', () => {
    expect(axisLabels([0, 0.5, 1, 1.5, 2], 0.5)).toEqual(['0', '', '1', '', '2']);
    expect(axisLabels([0, 2_000, 4_000, 6_000, 8_000], 2_000)).toEqual(['0', '2,000', '4,000', '6,000', '8,000']);
  });

  it('never gives two ticks the same label', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 12 }),
      fc.constantFrom(1, 2, 2.5, 5),
      fc.integer({ min: 2, max: 12 }),
      (exp, mantissa, ticks) => {
        const incr = mantissa * 10 ** exp;
        const splits = Array.from({ length: ticks }, (_, i) => i * incr);
        const labels = axisLabels(splits, incr).filter((l) => l !== '');
        expect(new Set(labels).size).toBe(labels.length);
      },
    ));
  });
});
