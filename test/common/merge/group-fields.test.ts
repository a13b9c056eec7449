import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minCreatedAt, newerSeverity } from '../../../common/merge/group-fields.js';

describe('minCreatedAt', () => {
  it('takes the earlier of two known values', () => {
    expect(minCreatedAt(40, 50)).toBe(40);
    expect(minCreatedAt(50, 40)).toBe(40);
  });

  it('ignores an unknown (0) held value', () => {
    expect(minCreatedAt(0, 50)).toBe(50);
  });

  it('ignores an unknown (0) incoming value', () => {
    expect(minCreatedAt(50, 0)).toBe(50);
  });

  it('ignores negative values such as Go zero time', () => {
    expect(minCreatedAt(-62135596800000, 50)).toBe(50);
    expect(minCreatedAt(50, -62135596800000)).toBe(50);
  });

  it('stays unknown when both are unknown', () => {
    expect(minCreatedAt(0, 0)).toBe(0);
    expect(minCreatedAt(0, -5)).toBe(0);
  });

  it('is commutative, idempotent and never returns an unknown value over a known one', () => {
    const valueArb = fc.oneof(fc.constant(0), fc.nat({ max: 1e13 }));
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        expect(minCreatedAt(a, b)).toBe(minCreatedAt(b, a));
        expect(minCreatedAt(minCreatedAt(a, b), b)).toBe(minCreatedAt(a, b));
        if (a > 0 || b > 0) expect(minCreatedAt(a, b)).toBeGreaterThan(0);
      }),
    );
  });
});

describe('newerSeverity', () => {
  it('takes the incoming severity when it was seen later', () => {
    expect(newerSeverity('error', 10, 'warning', 12)).toBe('warning');
  });

  it('keeps the held severity when the incoming one was seen earlier', () => {
    expect(newerSeverity('error', 10, 'warning', 8)).toBe('error');
  });

  it('takes the incoming severity when both were seen at the same time', () => {
    expect(newerSeverity('error', 10, 'info', 10)).toBe('info');
  });
});
