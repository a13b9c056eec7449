import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LineageCounts, mergeLineageCount, totalOf } from '../../../hub/state/lineage-counts.js';

type Update = readonly [lineage: number, value: number];

const updatesArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.nat({ max: 1_000_000 })), { maxLength: 40 });

function apply(held: LineageCounts, updates: readonly Update[]): LineageCounts {
  for (const [lineage, value] of updates) mergeLineageCount(held, lineage, value);
  return held;
}

/** Merges a whole counter into another, the way a hub merges a forwarded group. */
function mergeInto(held: LineageCounts, incoming: LineageCounts): LineageCounts {
  return apply(held, [...incoming]);
}

const counterOf = (updates: readonly Update[]) => apply(new Map(), updates);
const sorted = (counts: LineageCounts) => [...counts].sort(([a], [b]) => a - b);

describe('mergeLineageCount', () => {
  it('takes a larger value and returns how much the total grew', () => {
    const held: LineageCounts = new Map([[7, 10]]);
    expect(mergeLineageCount(held, 7, 12)).toBe(2);
    expect(held.get(7)).toBe(12);
  });

  it('ignores a smaller value (a replay or a source going backwards)', () => {
    const held: LineageCounts = new Map([[7, 10]]);
    expect(mergeLineageCount(held, 7, 9)).toBe(0);
    expect(held.get(7)).toBe(10);
  });

  it('changes nothing when the same value arrives again', () => {
    const held: LineageCounts = new Map([[7, 10]]);
    expect(mergeLineageCount(held, 7, 10)).toBe(0);
    expect(held.get(7)).toBe(10);
  });

  it('adds an unknown lineage with its whole value', () => {
    const held: LineageCounts = new Map([[7, 10]]);
    expect(mergeLineageCount(held, 8, 3)).toBe(3);
    expect(totalOf(held)).toBe(13);
  });

  it('does not store a zero for an unknown lineage', () => {
    const held: LineageCounts = new Map();
    expect(mergeLineageCount(held, 8, 0)).toBe(0);
    expect(held.size).toBe(0);
  });
});

describe('totalOf', () => {
  it('is 0 for no lineages', () => {
    expect(totalOf(new Map())).toBe(0);
  });

  it('sums the lineages', () => {
    expect(totalOf(new Map([[1, 4], [2, 5]]))).toBe(9);
  });
});

describe('per-lineage G-Counter', () => {
  it('totals the sum of per-lineage maxima, and the growths returned add up to it', () => {
    fc.assert(
      fc.property(updatesArb, (updates) => {
        const held: LineageCounts = new Map();
        let grown = 0;
        for (const [lineage, value] of updates) grown += mergeLineageCount(held, lineage, value);
        const maxima = new Map<number, number>();
        for (const [lineage, value] of updates) maxima.set(lineage, Math.max(maxima.get(lineage) ?? 0, value));
        const expected = [...maxima.values()].reduce((a, b) => a + b, 0);
        expect(totalOf(held)).toBe(expected);
        expect(grown).toBe(expected);
      }),
    );
  });

  it('is idempotent: applying the same updates twice equals applying them once', () => {
    fc.assert(
      fc.property(updatesArb, (updates) => {
        expect(sorted(apply(counterOf(updates), updates))).toEqual(sorted(counterOf(updates)));
      }),
    );
  });

  it('is commutative: any order of the same updates gives the same counter', () => {
    fc.assert(
      fc.property(updatesArb.chain((u) => fc.tuple(fc.constant(u), fc.shuffledSubarray(u, { minLength: u.length, maxLength: u.length }))), ([updates, shuffled]) => {
        expect(sorted(counterOf(shuffled))).toEqual(sorted(counterOf(updates)));
      }),
    );
  });

  it('is associative: (a + b) + c equals a + (b + c)', () => {
    fc.assert(
      fc.property(updatesArb, updatesArb, updatesArb, (a, b, c) => {
        const left = mergeInto(mergeInto(counterOf(a), counterOf(b)), counterOf(c));
        const right = mergeInto(counterOf(a), mergeInto(counterOf(b), counterOf(c)));
        expect(sorted(left)).toEqual(sorted(right));
      }),
    );
  });
});
