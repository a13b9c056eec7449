import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InternTable, type InternTableOptions } from '../../../common/intern/intern-table.js';
import type { Occurrence } from '../../../common/occurrence.js';

const text = fc.string({ maxLength: 40 });
const detail = fc.record({ class: text, message: text, stacktrace: fc.option(fc.array(text, { maxLength: 6 }), { nil: null }) }, { noNullPrototype: true });
const http = fc.record({ method: text, url: text, headers: fc.option(fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true }), { nil: null }), body: text }, { noNullPrototype: true });
const anOccurrence: fc.Arbitrary<Occurrence> = fc.record({
  uuid: fc.string({ minLength: 1, maxLength: 36 }),
  timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  severity: fc.constantFrom('info', 'warning', 'error'),
  chain: fc.array(detail, { minLength: 1, maxLength: 4 }),
  http: fc.option(http, { nil: null }),
}, { noNullPrototype: true });
const bothOwners = fc.constantFrom<InternTableOptions>(
  { maxEntries: 200_000, maxBytes: 64 * 1024 * 1024, minLength: 1, stacks: false },
  { maxEntries: Number.POSITIVE_INFINITY, maxBytes: 8 * 1024 * 1024, minLength: 16, stacks: true },
);

describe('InternTable (properties)', () => {
  it('returns an occurrence deep-equal to the one it was given', () => {
    fc.assert(fc.property(bothOwners, fc.array(anOccurrence, { minLength: 1, maxLength: 10 }), (options, occurrences) => {
      const table = new InternTable(options);
      for (const o of occurrences) expect(table.occurrence(o)).toStrictEqual(o);
    }));
  });

  it('answers an equal string with the copy it holds', () => {
    fc.assert(fc.property(bothOwners, fc.string({ minLength: 16, maxLength: 80 }), (options, s) => {
      const table = new InternTable(options);
      const held = table.string(s);
      const hits = table.stats().hits;
      // Strings compare by value in JS: that the held copy was handed out shows in the hits.
      expect(table.string([...s].join(''))).toBe(held);
      expect(table.stats().hits).toBe(hits + 1);
    }));
  });

  it('answers an equal stack trace with the very array it holds, when it shares whole traces', () => {
    const hub = { maxEntries: Number.POSITIVE_INFINITY, maxBytes: 8 * 1024 * 1024, minLength: 16, stacks: true };
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), (lines) => {
      const table = new InternTable(hub);
      const held = table.stack(lines);
      expect(table.stack(lines.map((l) => [...l].join('')))).toBe(held);
    }));
  });
});
