import { describe, expect, it } from 'vitest';
import { formatDuration, GO_ZERO_TIME_SECONDS, parseDuration, parseTimestamp, toUnixSeconds } from '../../common/time.js';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a bare 0 as zero, as Prometheus does', () => {
    expect(parseDuration('0')).toBe(0);
  });

  it.each(['', '10', '1.5s', '-1s', '10 s', 's', '10sec', '1m30', ' 10s', '10S'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('rejects a duration too large to count in milliseconds exactly', () => {
    expect(parseDuration('999999999999y')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes the shortest Go-style form', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
  });

  it('writes zero as 0s', () => {
    expect(formatDuration(0)).toBe('0s');
  });

  it('writes days as hours and keeps milliseconds', () => {
    expect(formatDuration(172_800_000 + 1500)).toBe('48h1s500ms');
  });

  it('is read back by parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_000, 3_723_004, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('parseTimestamp', () => {
  it('reads RFC 3339 in UTC', () => {
    expect(parseTimestamp('2020-02-17T22:42:45Z')).toBe(Date.UTC(2020, 1, 17, 22, 42, 45));
  });

  it('keeps milliseconds', () => {
    expect(parseTimestamp('2019-10-11T12:47:25.595Z')).toBe(Date.UTC(2019, 9, 11, 12, 47, 25, 595));
  });

  it('reads nanosecond precision (Go clients) and floors it to milliseconds', () => {
    expect(parseTimestamp('2021-09-03T13:58:15.932289427Z')).toBe(1630677495932);
  });

  it('reads microsecond precision (Python clients)', () => {
    expect(parseTimestamp('2021-09-03T13:58:15.932289Z')).toBe(1630677495932);
  });

  it('applies a numeric offset', () => {
    expect(parseTimestamp('2021-09-03T15:58:15.932+02:00')).toBe(1630677495932);
    expect(parseTimestamp('2021-09-03T08:58:15.932-05:00')).toBe(1630677495932);
  });

  it('reads a number of seconds', () => {
    expect(parseTimestamp(1630677495)).toBe(1630677495000);
  });

  it('reads fractional seconds', () => {
    expect(parseTimestamp(1630677495.5)).toBe(1630677495500);
  });

  it('reads a number too large to be seconds as milliseconds', () => {
    expect(parseTimestamp(1630677495932)).toBe(1630677495932);
  });

  it("reads Go's zero time, which Periskop prints for a missing created_at, as unknown", () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(0);
    expect(parseTimestamp(GO_ZERO_TIME_SECONDS)).toBe(0);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a word', 'yesterday'],
    ['a boolean', true],
    ['an object', { seconds: 1 }],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative number', -5],
    ['zero', 0],
    ['a string longer than any timestamp', `2021-09-03T13:58:15.${'9'.repeat(80)}Z`],
  ])('reads %s as unknown (0)', (_name, value) => {
    expect(parseTimestamp(value)).toBe(0);
  });
});

describe('toUnixSeconds', () => {
  it('floors milliseconds to whole seconds', () => {
    expect(toUnixSeconds(1630677495932)).toBe(1630677495);
  });

  it('keeps 0 as 0', () => {
    expect(toUnixSeconds(0)).toBe(0);
  });
});
