import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES, KnownAggregates } from '../../../agent/scrape/known-aggregates.js';
import { type AggregateItem, INVALID_AGGREGATE } from '../../../agent/wire/client-payload.js';

const item = fc.oneof(
  { weight: 1, arbitrary: fc.constant(INVALID_AGGREGATE as AggregateItem) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        key: fc.string({ minLength: 1 }),
        totalCount: fc.maxSafeNat(),
        severity: fc.constantFrom('info' as const, 'warning' as const, 'error' as const),
        createdAt: fc.maxSafeNat(),
        rawSamples: fc.constant([] as unknown[]),
        keyCut: fc.constant(true as const),
        samplesCut: fc.constant(true as const),
      },
      { requiredKeys: ['key', 'totalCount', 'severity', 'createdAt', 'rawSamples'] },
    ) as fc.Arbitrary<AggregateItem>,
  },
);

/** Digests that often share their first 4 bytes (the part searched), to exercise the full comparison. */
const digest = fc.tuple(fc.constantFrom(0, 1, 0xffffffff), fc.uint8Array({ minLength: DIGEST_BYTES - 4, maxLength: DIGEST_BYTES - 4 })).map(([prefix, rest]) => {
  const d = Buffer.alloc(DIGEST_BYTES);
  d.writeUInt32BE(prefix, 0);
  d.set(rest, 4);
  return d;
});

describe('KnownAggregates', () => {
  it('finds every kept aggregate by its digest, as it was kept and without samples, and nothing else', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(digest, item), { selector: ([d]) => d.toString('hex'), maxLength: 60 }), fc.array(digest, { maxLength: 20 }), (entries, others) => {
        const digests = Buffer.concat(entries.map(([d]) => d));
        const known = KnownAggregates.of(digests, entries.map(([, i]) => i));
        expect(known.size).toBe(entries.length);
        entries.forEach(([d, i]) => {
          // Looked up from another buffer, at another offset, as the reader does with the next body's digests.
          const probe = Buffer.concat([Buffer.alloc(DIGEST_BYTES, 7), d]);
          expect(known.find(probe, DIGEST_BYTES)).toEqual(i === INVALID_AGGREGATE ? i : { ...i, rawSamples: [] });
        });
        const kept = new Set(entries.map(([d]) => d.toString('hex')));
        for (const o of others) if (!kept.has(o.toString('hex'))) expect(known.find(o, 0)).toBeUndefined();
      }),
    );
  });

  it('keeps nothing when empty', () => {
    expect(KnownAggregates.EMPTY.find(Buffer.alloc(DIGEST_BYTES), 0)).toBeUndefined();
  });
});
