import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../common/limits.js';
import { OccurrenceSchema } from '../../common/occurrence.js';
import { parseTimestamp } from '../../common/time.js';
import { toRfc3339 } from '../../common/wire/client-format.js';
import { iso } from '../../hub/api/v1/present.js';
import { parseClientPayload, parseRawOccurrence } from '../../agent/wire/client-payload.js';
import { rawSample } from '../helpers/builders.js';

/**
 * A target that sends an absurd timestamp must not produce a value the federation schema refuses
 * (`Ms` and `OccurrenceSchema.timestamp` are safe integers): the hub would refuse the agent's whole
 * delta with CN_ERR_BAD_MESSAGE, and every re-sync after it, for as long as the agent holds the group.
 */
describe('timestamps beyond the range of dates', () => {
  it.each([1e300, Number.MAX_VALUE, 8.64e15 + 1, 2 ** 60])('reads the number %d as unknown (0)', (value) => {
    expect(parseTimestamp(value)).toBe(0);
  });

  it('keeps the largest date there is', () => {
    expect(parseTimestamp(8.64e15)).toBe(8.64e15);
  });

  it('gives every sample a timestamp the federation schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.string(), fc.date().map((d) => d.getTime())), (timestamp) => {
        const o = parseRawOccurrence({ ...rawSample('u', 0), timestamp }, DEFAULT_LIMITS);
        expect(OccurrenceSchema.safeParse(o).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('gives every aggregate a created_at the federation schema accepts', () => {
    const p = parseClientPayload({ aggregated_errors: [{ aggregation_key: 'k', total_count: 1, created_at: 1e300 }] }, DEFAULT_LIMITS);
    expect(Number.isSafeInteger(p.aggregates[0]?.createdAt)).toBe(true);
  });
});

describe('timestamps that are not RFC 3339', () => {
  it.each(['1', 'foo 2020', 'Tue Mar 07 2021', 'March 7, 2021 10:00'])('reads %j as unknown (0)', (text) => {
    expect(parseTimestamp(text)).toBe(0);
  });
  it('reads a date-time without an offset as UTC, whatever the local time zone', () => {
    expect(parseTimestamp('2021-09-03T13:58:15')).toBe(Date.UTC(2021, 8, 3, 13, 58, 15));
    expect(parseTimestamp('2021-09-03T13:58:15.932+0000')).toBe(1630677495932);
  });

  it('still reads a space between date and time, and lower-case t and z', () => {
    expect(parseTimestamp('2021-09-03 13:58:15.932Z')).toBe(1630677495932);
    expect(parseTimestamp('2021-09-03t13:58:15.932z')).toBe(1630677495932);
  });
});

describe('formatting any stored time', () => {
  it('never throws, whatever number a snapshot or a message held', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(9e15, 2 ** 53 - 1, Number.MAX_VALUE, -1, 0)), (ms) => {
        expect(toRfc3339(ms)).toMatch(/^[+-]?\d{4,6}-\d\d-\d\dT/);
        const shown = iso(ms);
        expect(shown === null || typeof shown === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
