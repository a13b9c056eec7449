import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareSamples, mergeSamples } from '../../../common/merge/samples.js';
import type { Occurrence } from '../../../common/occurrence.js';
import { occurrence } from '../../helpers/builders.js';

const uuids = (samples: readonly Occurrence[]) => samples.map((s) => s.uuid);

/**
 * Lists of samples where a uuid always means the same sample (as it does on the wire): uuids drawn
 * from a small set so that lists overlap, each uuid with one fixed timestamp.
 */
const sampleUniverse = fc
  .uniqueArray(fc.record({ uuid: fc.string({ minLength: 1, maxLength: 3 }), timestamp: fc.nat({ max: 50 }) }), {
    selector: (s) => s.uuid,
    minLength: 1,
    maxLength: 25,
  })
  .map((specs) => specs.map((s) => occurrence(s.uuid, s.timestamp)));
const pick = (universe: readonly Occurrence[]) => fc.array(fc.constantFrom(...universe), { maxLength: 15 });
const twoLists = sampleUniverse.chain((u) => fc.tuple(pick(u), pick(u)));
const capArb = fc.integer({ min: 1, max: 12 });

function isSorted(samples: readonly Occurrence[]): boolean {
  for (let i = 1; i < samples.length; i++) {
    if (compareSamples(samples[i - 1] as Occurrence, samples[i] as Occurrence) > 0) return false;
  }
  return true;
}

describe('compareSamples', () => {
  it('orders newest first and breaks timestamp ties by ascending uuid', () => {
    const sorted = [occurrence('b', 1), occurrence('a', 2), occurrence('a', 1)].sort(compareSamples);
    expect(sorted.map((s) => `${s.timestamp}/${s.uuid}`)).toEqual(['2/a', '1/a', '1/b']);
  });
});

describe('mergeSamples', () => {
  it('adds incoming samples into an empty list, newest first', () => {
    const merged = mergeSamples([], [occurrence('u1', 10), occurrence('u3', 30), occurrence('u2', 20)], 10);
    expect(uuids(merged)).toEqual(['u3', 'u2', 'u1']);
  });

  it('de-duplicates by uuid', () => {
    const held = [occurrence('u1', 10)];
    const merged = mergeSamples(held, [occurrence('u1', 10), occurrence('u2', 20), occurrence('u2', 20)], 10);
    expect(uuids(merged)).toEqual(['u2', 'u1']);
  });

  it('keeps the held sample when an incoming one has the same uuid', () => {
    const held = [occurrence('u1', 10)];
    const merged = mergeSamples(held, [occurrence('u1', 99), occurrence('u2', 5)], 10);
    expect(merged[0]).toBe(held[0]);
  });

  it('breaks timestamp ties by uuid', () => {
    const merged = mergeSamples([occurrence('b', 10)], [occurrence('c', 10), occurrence('a', 10)], 10);
    expect(uuids(merged)).toEqual(['a', 'b', 'c']);
  });

  it('caps the list and keeps the newest', () => {
    const held = [occurrence('u3', 30), occurrence('u1', 10)];
    const merged = mergeSamples(held, [occurrence('u2', 20), occurrence('u3', 30)], 2);
    expect(uuids(merged)).toEqual(['u3', 'u2']);
  });

  it('lets a full list take only samples newer than its oldest', () => {
    const held = [occurrence('u3', 30), occurrence('u2', 20)];
    expect(mergeSamples(held, [occurrence('u1', 10)], 2)).toBe(held);
    expect(uuids(mergeSamples(held, [occurrence('u4', 40)], 2))).toEqual(['u4', 'u3']);
  });

  it('returns held itself when there is nothing incoming', () => {
    const held = [occurrence('u1', 10)];
    expect(mergeSamples(held, [], 10)).toBe(held);
  });

  it('returns held itself when every incoming sample is already held', () => {
    const held = [occurrence('u2', 20), occurrence('u1', 10)];
    expect(mergeSamples(held, [occurrence('u1', 10), occurrence('u2', 20)], 10)).toBe(held);
  });

  it('never mutates held', () => {
    const held = [occurrence('u1', 10)];
    mergeSamples(held, [occurrence('u2', 20)], 10);
    expect(uuids(held)).toEqual(['u1']);
  });

  it('returns a sorted list of unique uuids no longer than the cap', () => {
    fc.assert(
      fc.property(twoLists, capArb, ([a, b], cap) => {
        const merged = mergeSamples(mergeSamples([], a, cap), b, cap);
        expect(isSorted(merged)).toBe(true);
        expect(new Set(uuids(merged)).size).toBe(merged.length);
        expect(merged.length).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('is idempotent: merging the same incoming twice equals merging it once', () => {
    fc.assert(
      fc.property(twoLists, capArb, ([held0, incoming], cap) => {
        const held = mergeSamples([], held0, cap);
        const once = mergeSamples(held, incoming, cap);
        const twice = mergeSamples(once, incoming, cap);
        expect(twice).toBe(once);
      }),
    );
  });

  it('is commutative as a set: the order in which two lists arrive does not matter', () => {
    fc.assert(
      fc.property(twoLists, capArb, ([a, b], cap) => {
        const ab = mergeSamples(mergeSamples([], a, cap), b, cap);
        const ba = mergeSamples(mergeSamples([], b, cap), a, cap);
        expect(new Set(uuids(ab))).toEqual(new Set(uuids(ba)));
      }),
    );
  });

  it('holds the newest `cap` samples of the union', () => {
    fc.assert(
      fc.property(twoLists, capArb, ([a, b], cap) => {
        const merged = mergeSamples(mergeSamples([], a, cap), b, cap);
        const union = [...new Map([...a, ...b].map((s) => [s.uuid, s])).values()].sort(compareSamples).slice(0, cap);
        expect(uuids(merged)).toEqual(uuids(union));
      }),
    );
  });
});
