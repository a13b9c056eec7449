import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator, type AggregatorOptions, type AggregatorState } from '../../../agent/aggregate/aggregator.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

const STARTED = 1_700_000_000_000;
const SVC = 'checkout';
const TTL = 2_000;

function setup(overrides: Partial<AggregatorOptions> = {}) {
  const aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: STARTED, startupWindowMs: 60_000, onChange: () => undefined,
    originTombstones: { maxTombstones: 100, maxKeys: 1_000, ttlMs: 3_600_000 }, ...overrides,
  });
  return { aggregator, count: (key: string) => aggregator.group(SVC, key)?.count };
}

describe('an origin that comes back after it was forgotten', () => {
  it('counts only its growth after leaving discovery and returning (a readiness flap)', () => {
    const { aggregator, count } = setup();
    aggregator.observe(SVC, 'http://10.0.0.1/errors#u1', [aggregate('k', 863), aggregate('j', 433)], STARTED + 1);
    aggregator.forgetOrigin(SVC, 'http://10.0.0.1/errors#u1', STARTED + 2);
    aggregator.observe(SVC, 'http://10.0.0.1/errors#u1', [aggregate('k', 900), aggregate('j', 433)], STARTED + 6_000);
    expect(count('k')).toBe(900);
    expect(count('j')).toBe(433);
    expect(aggregator.originTombstones.stats().resumed).toBe(1);
  });

  it('counts only its growth after a pusher was silent past origin_ttl (5, then 7: 7, not 12)', () => {
    const { aggregator, count } = setup();
    aggregator.observe(SVC, 'push:checkout:job', [aggregate('k', 5)], STARTED);
    expect(aggregator.expireOrigins(STARTED + TTL + 1, TTL)).toBe(1);
    aggregator.observe(SVC, 'push:checkout:job', [aggregate('k', 7)], STARTED + TTL + 2);
    expect(count('k')).toBe(7);
  });

  it('treats a lower count as a counter reset, counted in full', () => {
    const { aggregator, count } = setup();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
    const r = aggregator.observe(SVC, 'a', [aggregate('k', 3)], STARTED + 2);
    expect(count('k')).toBe(8);
    expect(r.resets).toBe(1);
  });

  it('counts in full a key its tombstone does not know', () => {
    const { aggregator, count } = setup();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
    aggregator.observe(SVC, 'a', [aggregate('k', 5), aggregate('new', 4)], STARTED + 2);
    expect(count('k')).toBe(5);
    expect(count('new')).toBe(4);
  });

  it('is a new origin when it comes back under another identity (another target_uuid at the same url)', () => {
    const { aggregator, count } = setup();
    aggregator.observe(SVC, 'http://10.0.0.1/errors#u1', [aggregate('k', 5)], STARTED);
    aggregator.forgetOrigin(SVC, 'http://10.0.0.1/errors#u1', STARTED + 1);
    aggregator.observe(SVC, 'http://10.0.0.1/errors#u2', [aggregate('k', 5)], STARTED + 2);
    expect(count('k')).toBe(10);
  });

  it('resumes from a tombstone saved in state_dir and loaded by the next process', () => {
    const first = setup();
    first.aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
    first.aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
    const saved = JSON.parse(JSON.stringify(first.aggregator.exportState())) as AggregatorState;
    const second = setup({ startMode: 'exact' });
    second.aggregator.importState(saved, STARTED + 10);
    second.aggregator.observe(SVC, 'a', [aggregate('k', 6)], STARTED + 20);
    expect(second.count('k')).toBe(6);
  });

  it('is counted again in full past the tombstone bound, and the eviction is counted', () => {
    const { aggregator, count } = setup({ originTombstones: { maxTombstones: 1, maxKeys: 1_000, ttlMs: 3_600_000 } });
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
    aggregator.observe(SVC, 'b', [aggregate('k', 1)], STARTED);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
    aggregator.forgetOrigin(SVC, 'b', STARTED + 2);
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 3);
    expect(count('k')).toBe(11);
    expect(aggregator.originTombstones.stats().evicted).toEqual({ limit: 1, age: 0 });
  });

  it('is counted again in full past the tombstone age, and the eviction is counted', () => {
    const { aggregator, count } = setup({ originTombstones: { maxTombstones: 10, maxKeys: 1_000, ttlMs: 1_000 } });
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 1_002);
    expect(count('k')).toBe(10);
    expect(aggregator.originTombstones.stats().evicted.age).toBe(1);
  });
});

describe('forgetting origins within the tombstone bounds', () => {
  type Op = { kind: 'observe'; origin: number; counts: number[] } | { kind: 'forget'; origin: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('observe' as const), origin: fc.nat(3), counts: fc.array(fc.nat(50), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('forget' as const), origin: fc.nat(3) }),
  );

  it('counts exactly what an agent that never forgets would count', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const forgetting = setup();
      const remembering = setup();
      ops.forEach((o, i) => {
        const now = STARTED + i;
        if (o.kind === 'forget') {
          forgetting.aggregator.forgetOrigin(SVC, `o${o.origin}`, now);
          return;
        }
        const aggs = o.counts.map((c, k) => aggregate(`k${k}`, c));
        forgetting.aggregator.observe(SVC, `o${o.origin}`, aggs, now);
        remembering.aggregator.observe(SVC, `o${o.origin}`, aggs, now);
      });
      for (const k of ['k0', 'k1', 'k2']) expect(forgetting.count(k)).toBe(remembering.count(k));
    }));
  });
});
