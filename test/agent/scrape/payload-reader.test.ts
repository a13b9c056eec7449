import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadReader } from '../../../agent/scrape/payload-reader.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { type ParsedPayload, parseClientPayload, PayloadError } from '../../../agent/wire/client-payload.js';
import { rawSample } from '../../helpers/builders.js';

interface Agg {
  key: string;
  count: number;
  samples: number;
}

const body = (uuid: string | null, aggs: readonly (Agg | unknown)[]): Buffer =>
  Buffer.from(JSON.stringify({
    target_uuid: uuid,
    aggregated_errors: aggs.map((a) => {
      if (typeof a !== 'object' || a === null || !('key' in a)) return a;
      const g = a as Agg;
      return {
        aggregation_key: g.key, total_count: g.count, severity: 'error', created_at: '2024-01-01T00:00:00Z',
        latest_errors: Array.from({ length: g.samples }, (_, i) => rawSample(`${g.key}-${g.count}-${i}`, 1_700_000_000_000 + g.count * 1000 + i)),
      };
    }),
  }));

const full = (b: Buffer): ParsedPayload => parseClientPayload(JSON.parse(b.toString('utf8')), DEFAULT_LIMITS);

/** The reader's payload with the raw samples of reused aggregates: what a full parse gives. */
const withoutSamples = (p: ParsedPayload) => ({ ...p, aggregates: p.aggregates.map((a) => ({ ...a, rawSamples: [] })) });

describe('PayloadReader', () => {
  it('parses only the aggregates whose bytes changed since the previous body of the same instance', () => {
    const reader = new PayloadReader();
    const aggs = [{ key: 'a', count: 1, samples: 2 }, { key: 'b', count: 5, samples: 2 }, { key: 'c', count: 9, samples: 2 }];
    reader.read(body('u1', aggs), DEFAULT_LIMITS);
    expect(reader.figures).toEqual({ parsed: 3, reused: 0, whole: false });
    reader.commit();
    reader.read(body('u1', [aggs[0], { key: 'b', count: 6, samples: 2 }, aggs[2]]), DEFAULT_LIMITS);
    expect(reader.figures).toEqual({ parsed: 1, reused: 2, whole: false });
  });

  it('reuses unchanged aggregates without their samples and parses the changed ones in full', () => {
    const reader = new PayloadReader();
    const first = [{ key: 'a', count: 1, samples: 2 }, { key: 'b', count: 5, samples: 2 }];
    expect(reader.read(body('u1', first), DEFAULT_LIMITS)).toEqual(full(body('u1', first)));
    expect(reader.figures).toMatchObject({ parsed: 2, reused: 0 });
    reader.commit();
    const second = [{ key: 'b', count: 5, samples: 2 }, { key: 'a', count: 2, samples: 2 }];
    const got = reader.read(body('u1', second), DEFAULT_LIMITS);
    expect(reader.figures).toMatchObject({ parsed: 1, reused: 1 });
    const expected = full(body('u1', second));
    expect(got.aggregates[0]).toEqual({ ...expected.aggregates[0], rawSamples: [] });
    expect(got.aggregates[1]).toEqual(expected.aggregates[1]);
  });

  it('does not reuse across instances: a new target_uuid is parsed in full', () => {
    const reader = new PayloadReader();
    const aggs = [{ key: 'a', count: 1, samples: 1 }];
    reader.read(body('u1', aggs), DEFAULT_LIMITS);
    reader.commit();
    expect(reader.read(body('u2', aggs), DEFAULT_LIMITS)).toEqual(full(body('u2', aggs)));
    expect(reader.figures).toMatchObject({ parsed: 1, reused: 0 });
  });

  it('does not reuse what was read but never committed (a payload that was not ingested)', () => {
    const reader = new PayloadReader();
    const aggs = [{ key: 'a', count: 1, samples: 1 }];
    reader.read(body('u1', aggs), DEFAULT_LIMITS);
    expect(reader.read(body('u1', aggs), DEFAULT_LIMITS)).toEqual(full(body('u1', aggs)));
    expect(reader.figures).toMatchObject({ parsed: 1, reused: 0 });
  });

  it('counts drops and cuts of reused aggregates on every body, as a full parse does', () => {
    const reader = new PayloadReader();
    const limits = { ...DEFAULT_LIMITS, keyChars: 3, samplesPerAggregate: 1 };
    const aggs = [{ key: 'long-key', count: 1, samples: 2 }, { key: 'long-key', count: 2, samples: 0 }, { bad: true }, 42];
    const read = () => reader.read(body('u1', aggs), limits);
    read();
    reader.commit();
    const again = read();
    expect(reader.figures).toMatchObject({ parsed: 0 });
    const expected = parseClientPayload(JSON.parse(body('u1', aggs).toString('utf8')), limits);
    expect(again.dropped).toEqual(expected.dropped);
    expect(again.truncated).toEqual(expected.truncated);
    expect(withoutSamples(again)).toEqual(withoutSamples(expected));
  });

  it('parses a body it cannot split in full and forgets what it knew', () => {
    const reader = new PayloadReader();
    const aggs = [{ key: 'a', count: 1, samples: 1 }];
    reader.read(body('u1', aggs), DEFAULT_LIMITS);
    reader.commit();
    const odd = Buffer.from('{"aggregated_errors":null}');
    expect(reader.read(odd, DEFAULT_LIMITS)).toEqual(full(odd));
    expect(reader.figures.whole).toBe(true);
    reader.commit();
    reader.read(body('u1', aggs), DEFAULT_LIMITS);
    expect(reader.figures).toMatchObject({ parsed: 1, reused: 0 });
  });

  it('throws what JSON.parse and parseClientPayload throw for bodies that are not payloads', () => {
    const reader = new PayloadReader();
    expect(() => reader.read(Buffer.from('{"aggregated_errors":[{"a":1} {"b":2}]}'), DEFAULT_LIMITS)).toThrow(SyntaxError);
    expect(() => reader.read(Buffer.from('{"aggregated_errors":[{"a":tru}]}'), DEFAULT_LIMITS)).toThrow(SyntaxError);
    expect(() => reader.read(Buffer.from('<html>'), DEFAULT_LIMITS)).toThrow(SyntaxError);
    expect(() => reader.read(Buffer.from('[1]'), DEFAULT_LIMITS)).toThrow(PayloadError);
  });

  it('shares the keys it keeps through its interner', () => {
    const seen: string[] = [];
    const reader = new PayloadReader((k) => {
      seen.push(k);
      return k;
    });
    reader.read(body('u1', [{ key: 'a', count: 1, samples: 0 }]), DEFAULT_LIMITS);
    expect(seen).toEqual(['a']);
  });

  it('gives what a full parse gives over any sequence of bodies of one target (reordered, changed, restarted)', () => {
    const step = fc.record({
      uuid: fc.constantFrom('u1', 'u1', 'u1', 'u2', null),
      aggs: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), count: fc.nat(5), samples: fc.nat(2) }), { maxLength: 5 }),
      invalid: fc.boolean(),
      commit: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const reader = new PayloadReader();
        for (const s of steps) {
          const b = body(s.uuid, s.invalid ? [...s.aggs, { nope: 1 }] : s.aggs);
          const got = reader.read(b, DEFAULT_LIMITS);
          const expected = full(b);
          expect(withoutSamples(got)).toEqual(withoutSamples(expected));
          // Every aggregate either comes with its samples, or was identical in the last committed body.
          got.aggregates.forEach((a, i) => {
            if (a.rawSamples.length !== expected.aggregates[i]?.rawSamples.length) expect(a.rawSamples).toEqual([]);
          });
          if (s.commit) reader.commit();
        }
      }),
      { numRuns: 300 },
    );
  });
});
