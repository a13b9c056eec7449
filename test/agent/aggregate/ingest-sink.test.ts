import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { type IngestAccounting, IngestSink } from '../../../agent/aggregate/ingest-sink.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;

function setup() {
  const aggregator = new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: NOW, startupWindowMs: 0, onChange: () => undefined });
  const seen: string[] = [];
  const accounting: IngestAccounting = {
    increments: (service, n) => seen.push(`increments ${service} ${n}`),
    dropped: (reason, n) => seen.push(`dropped ${reason} ${n}`),
    truncated: (reason, n) => seen.push(`truncated ${reason} ${n}`),
  };
  const sink = new IngestSink(aggregator, accounting);
  return { aggregator, sink, seen, count: (key: string) => aggregator.group('svc', key)?.count };
}

describe('IngestSink', () => {
  it('counts the increments, drops and cuts of an observation, whichever way it came in', () => {
    const { sink, seen } = setup();
    sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 3)], dropped: { aggregate_invalid: 2 }, truncated: { key_truncated: 1 }, now: NOW });
    expect(seen).toEqual(['increments svc 3', 'dropped aggregate_invalid 2', 'truncated key_truncated 1']);
  });

  it('treats a payload that dropped nothing as complete: a key gone from it was reset', () => {
    const { sink, count } = setup();
    sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW });
    sink.observe({ service: 'svc', origin: 'o', aggregates: [], now: NOW + 1 });
    sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW + 2 });
    expect(count('k')).toBe(10);
  });

  it('keeps a key missing from an incomplete payload (something was dropped, or the origin sends only changes)', () => {
    const dropped = setup();
    dropped.sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW });
    dropped.sink.observe({ service: 'svc', origin: 'o', aggregates: [], dropped: { aggregates_over_limit: 1 }, now: NOW + 1 });
    dropped.sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW + 2 });
    expect(dropped.count('k')).toBe(5);
    const changesOnly = setup();
    changesOnly.sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW });
    changesOnly.sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('j', 1)], now: NOW + 1 }, { complete: false });
    changesOnly.sink.observe({ service: 'svc', origin: 'o', aggregates: [aggregate('k', 5)], now: NOW + 2 }, { complete: false });
    expect(changesOnly.count('k')).toBe(5);
  });

  it('counts only growth above the highest total seen with max semantics (an imported Periskop server)', () => {
    const { sink, count } = setup();
    for (const [i, total] of [5, 3, 7].entries()) sink.observe({ service: 'svc', origin: 'import', aggregates: [aggregate('k', total)], now: NOW + i }, { complete: false, semantics: 'max' });
    expect(count('k')).toBe(7);
  });
});
