import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator, type AggregatorOptions, type AggregatorState } from '../../../agent/aggregate/aggregator.js';
import type { AgentGroup } from '../../../agent/aggregate/group.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate, rawSample } from '../../helpers/builders.js';

const STARTED = 1_700_000_000_000;
const WINDOW = 60_000;
const SVC = 'checkout';

function setup(overrides: Partial<AggregatorOptions> = {}) {
  const changes: string[] = [];
  const aggregator = new Aggregator({
    samplesPerGroup: 10,
    limits: DEFAULT_LIMITS,
    startMode: 'first-start',
    startedAt: STARTED,
    startupWindowMs: WINDOW,
    onChange: (g: AgentGroup) => changes.push(`${g.service}/${g.key}`),
    ...overrides,
  });
  const count = (key: string, service = SVC) => aggregator.group(service, key)?.count;
  return { aggregator, changes, count };
}

const uuidsOf = (g: AgentGroup | undefined) => g?.samples.map((s) => s.uuid);

describe('Aggregator', () => {
  describe('counting', () => {
    it("counts a first observation fully in 'first-start' mode", () => {
      const { aggregator, count } = setup({ startMode: 'first-start' });
      aggregator.observe(SVC, 'a', [aggregate('k', 7)], STARTED + 1);
      expect(count('k')).toBe(7);
    });

    it("counts a first observation fully in 'exact' mode", () => {
      const { aggregator, count } = setup({ startMode: 'exact' });
      aggregator.observe(SVC, 'a', [aggregate('k', 7)], STARTED + 1);
      expect(count('k')).toBe(7);
    });

    it('counts only the growth of later observations', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 7)], STARTED + 1);
      const r = aggregator.observe(SVC, 'a', [aggregate('k', 10)], STARTED + 2);
      expect(count('k')).toBe(10);
      expect(r.increments).toBe(3);
    });

    it('sums the counts of two origins of one key', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 3)], STARTED + 1);
      aggregator.observe(SVC, 'b', [aggregate('k', 4)], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 2);
      expect(count('k')).toBe(9);
    });

    it('keeps the same key of two services apart', () => {
      const { aggregator, count } = setup();
      aggregator.observe('checkout', 'a', [aggregate('k', 3)], STARTED + 1);
      aggregator.observe('search', 'a', [aggregate('k', 4)], STARTED + 1);
      expect([count('k', 'checkout'), count('k', 'search')]).toEqual([3, 4]);
    });

    it('creates a group at 0 for a key first seen with a count of 0', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 0)], STARTED + 1);
      expect(count('k')).toBe(0);
    });

    it('counts for a key missing from an observation nothing, and keeps its group', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 3), aggregate('j', 1)], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('j', 2)], STARTED + 2);
      expect([count('k'), count('j')]).toEqual([3, 2]);
    });
  });

  describe('samples', () => {
    it('parses the samples of a new aggregate into its group, newest first', () => {
      const { aggregator } = setup();
      const r = aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [rawSample('u1', 1000), rawSample('u2', 2000)] })], STARTED + 1);
      expect(uuidsOf(aggregator.group(SVC, 'k'))).toEqual(['u2', 'u1']);
      expect(r.newSamples).toBe(2);
    });

    it('does not look at the samples of an aggregate whose count did not change', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [rawSample('u1', 1000)] })], STARTED + 1);
      const r = aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [{}, { uuid: 'bad', error: 'not an object' }] })], STARTED + 2);
      expect(r.invalidSamples).toBe(0);
    });

    it('counts samples without a uuid or a usable error as invalid', () => {
      const { aggregator } = setup();
      const r = aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [{}, { uuid: 'bad', error: 'not an object' }, rawSample('u1', 1000)] })], STARTED + 1);
      expect(r.invalidSamples).toBe(2);
      expect(uuidsOf(aggregator.group(SVC, 'k'))).toEqual(['u1']);
    });

    it('caps samples at samplesPerGroup and keeps the newest', () => {
      const { aggregator } = setup({ samplesPerGroup: 3 });
      const samples = [1, 2, 3, 4, 5].map((i) => rawSample(`u${i}`, i * 1000));
      aggregator.observe(SVC, 'a', [aggregate('k', 5, { rawSamples: samples })], STARTED + 1);
      expect(uuidsOf(aggregator.group(SVC, 'k'))).toEqual(['u5', 'u4', 'u3']);
    });

    it('lets a newer sample push out the oldest of a full group', () => {
      const { aggregator } = setup({ samplesPerGroup: 2 });
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [rawSample('u1', 1000), rawSample('u2', 2000)] })], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 3, { rawSamples: [rawSample('u3', 3000), rawSample('u0', 500)] })], STARTED + 2);
      expect(uuidsOf(aggregator.group(SVC, 'k'))).toEqual(['u3', 'u2']);
    });

    it("does not parse samples older than a full group's oldest", () => {
      const { aggregator } = setup({ samplesPerGroup: 1 });
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { rawSamples: [rawSample('u1', 5000)] })], STARTED + 1);
      const old = { uuid: 'old', timestamp: new Date(1000).toISOString(), error: 'would be invalid' };
      const fresh = { uuid: 'fresh', timestamp: new Date(9000).toISOString(), error: 'would be invalid' };
      expect(aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [old] })], STARTED + 2).invalidSamples).toBe(0);
      expect(aggregator.observe(SVC, 'a', [aggregate('k', 3, { rawSamples: [fresh] })], STARTED + 3).invalidSamples).toBe(1);
    });

    it('does not add a sample the group already holds', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { rawSamples: [rawSample('u1', 1000)] })], STARTED + 1);
      const r = aggregator.observe(SVC, 'b', [aggregate('k', 1, { rawSamples: [rawSample('u1', 1000)] })], STARTED + 2);
      expect(r.newSamples).toBe(0);
      expect(uuidsOf(aggregator.group(SVC, 'k'))).toEqual(['u1']);
    });

    it('marks each new sample with a growing arrival mark', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { rawSamples: [rawSample('u1', 1000)] })], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { rawSamples: [rawSample('u2', 2000)] })], STARTED + 2);
      const [u2, u1] = aggregator.group(SVC, 'k')?.samples ?? [];
      expect(u1 && aggregator.sampleMark(u1)).toBe(1);
      expect(u2 && aggregator.sampleMark(u2)).toBe(2);
      expect(aggregator.currentSampleMark()).toBe(2);
    });
  });

  describe('dates and severity', () => {
    it('keeps the earliest created_at over origins, ignoring unknown ones', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { createdAt: 5000 })], STARTED + 1);
      aggregator.observe(SVC, 'b', [aggregate('k', 1, { createdAt: 0 })], STARTED + 1);
      aggregator.observe(SVC, 'c', [aggregate('k', 1, { createdAt: 3000 })], STARTED + 1);
      expect(aggregator.group(SVC, 'k')?.createdAt).toBe(3000);
    });

    it('takes last_seen from the newest sample of a first observation', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { createdAt: 500, rawSamples: [rawSample('u1', 1000), rawSample('u2', 2000)] })], STARTED + 1);
      expect(aggregator.group(SVC, 'k')?.lastSeen).toBe(2000);
    });

    it('takes last_seen from created_at when a first observation has no samples', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { createdAt: 500 })], STARTED + 1);
      expect(aggregator.group(SVC, 'k')?.lastSeen).toBe(500);
    });

    it('moves last_seen to now when the count grows without new samples', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { createdAt: 500 })], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 3)], STARTED + 99);
      expect(aggregator.group(SVC, 'k')?.lastSeen).toBe(STARTED + 99);
    });

    it('takes the severity of the newest activity', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { severity: 'error' })], STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 2, { severity: 'warning' })], STARTED + 2);
      expect(aggregator.group(SVC, 'k')?.severity).toBe('warning');
    });

    it('keeps the severity when an aggregate brings nothing newer', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { severity: 'error' })], STARTED + 10);
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { severity: 'info' })], STARTED + 20);
      expect(aggregator.group(SVC, 'k')?.severity).toBe('error');
    });
  });

  describe("'restart' mode", () => {
    it('treats first observations within the start-up window as baselines', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50, { createdAt: STARTED - 10_000 })], STARTED + 1000);
      expect(count('k')).toBe(0);
    });

    it('counts the growth after a baseline', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50, { createdAt: STARTED - 10_000 })], STARTED + 1000);
      aggregator.observe(SVC, 'a', [aggregate('k', 53, { createdAt: STARTED - 10_000 })], STARTED + 2000);
      expect(count('k')).toBe(3);
    });

    it('treats a key with unknown created_at as a baseline', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50, { createdAt: 0 })], STARTED + 1000);
      expect(count('k')).toBe(0);
    });

    it('counts fully a key created after the agent started', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'a', [aggregate('old', 50, { createdAt: STARTED - 1 }), aggregate('new', 4, { createdAt: STARTED })], STARTED + 1000);
      expect([count('old'), count('new')]).toEqual([0, 4]);
    });

    it('counts fully the first observation of an origin seen after the window', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'late', [aggregate('k', 20, { createdAt: STARTED - 10_000 })], STARTED + WINDOW + 1);
      expect(count('k')).toBe(20);
    });

    it('counts fully a key that first appears in a later observation of a known origin', () => {
      const { aggregator, count } = setup({ startMode: 'restart' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
      aggregator.observe(SVC, 'a', [aggregate('k', 50), aggregate('j', 2)], STARTED + 2000);
      expect(count('j')).toBe(2);
    });
  });

  describe("'pending' mode", () => {
    it('holds first observations back until the start is settled', () => {
      const { aggregator, count } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
      expect(count('k')).toBe(0);
      expect(aggregator.startMode).toBe('pending');
    });

    it('adds the held-back baselines when the hub says it is a first start', () => {
      const { aggregator, count, changes } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
      aggregator.observe(SVC, 'b', [aggregate('k', 7)], STARTED + 1000);
      changes.length = 0;
      aggregator.resolveStart(false);
      expect(count('k')).toBe(57);
      expect(aggregator.startMode).toBe('first-start');
      expect(changes).toContain(`${SVC}/k`);
    });

    it('leaves the baselines uncounted when the hub says it is a restart', () => {
      const { aggregator, count } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
      aggregator.resolveStart(true);
      expect(count('k')).toBe(0);
      expect(aggregator.startMode).toBe('restart');
    });

    it('counts growth while pending in both outcomes', () => {
      for (const [restart, expected] of [[false, 55], [true, 5]] as const) {
        const { aggregator, count } = setup({ startMode: 'pending' });
        aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
        aggregator.observe(SVC, 'a', [aggregate('k', 55)], STARTED + 2000);
        aggregator.resolveStart(restart);
        expect(count('k')).toBe(expected);
      }
    });

    it('counts fully a key created after the agent started, once only', () => {
      const { aggregator, count } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'a', [aggregate('k', 4, { createdAt: STARTED + 10 })], STARTED + 1000);
      aggregator.resolveStart(false);
      expect(count('k')).toBe(4);
    });

    it('ignores a second resolveStart', () => {
      const { aggregator, count } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
      aggregator.resolveStart(false);
      aggregator.resolveStart(false);
      aggregator.resolveStart(true);
      expect(count('k')).toBe(50);
      expect(aggregator.startMode).toBe('first-start');
    });

    it('counts fully the first observation of an origin seen after the window', () => {
      const { aggregator, count } = setup({ startMode: 'pending' });
      aggregator.observe(SVC, 'late', [aggregate('k', 20)], STARTED + WINDOW + 1);
      aggregator.resolveStart(true);
      expect(count('k')).toBe(20);
    });
  });

  describe('origins', () => {
    it("keeps a forgotten origin's contribution in the counts", () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 1);
      aggregator.forgetOrigin(SVC, 'a', STARTED + 2);
      expect(count('k')).toBe(5);
      expect(aggregator.stats()).toEqual({ services: 1, groups: 1, origins: 0 });
    });

    it('counts in full a lower count of an origin seen again after it was forgotten (a reset)', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 1);
      aggregator.forgetOrigin(SVC, 'a', STARTED + 1);
      aggregator.observe(SVC, 'a', [aggregate('k', 2)], STARTED + 2);
      expect(count('k')).toBe(7);
    });

    it('forgets only origins silent for longer than the TTL', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'silent', [aggregate('k', 5)], STARTED);
      aggregator.observe(SVC, 'recent', [aggregate('k', 3)], STARTED + 50);
      aggregator.observe(SVC, 'edge', [aggregate('k', 1)], STARTED + 40);
      expect(aggregator.expireOrigins(STARTED + 140, 100)).toBe(1);
      expect(aggregator.stats().origins).toBe(2);
      expect(count('k')).toBe(9);
    });

    it('keeps an origin whose unchanged body refreshed its TTL', () => {
      const { aggregator } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
      aggregator.touch(SVC, 'a', STARTED + 90);
      expect(aggregator.expireOrigins(STARTED + 150, 100)).toBe(0);
    });

    it('keeps counting an expired origin exactly while it is still known', () => {
      const { aggregator, count } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED);
      aggregator.expireOrigins(STARTED + 50, 100);
      aggregator.observe(SVC, 'a', [aggregate('k', 6)], STARTED + 60);
      expect(count('k')).toBe(6);
    });
  });

  describe('state', () => {
    it('resumes exactly from its exported state', () => {
      const first = setup();
      first.aggregator.observe(SVC, 'a', [aggregate('k', 5, { createdAt: 100, rawSamples: [rawSample('u1', 1000)] })], STARTED + 1);
      first.aggregator.observe(SVC, 'b', [aggregate('k', 2)], STARTED + 1);
      const saved = JSON.parse(JSON.stringify(first.aggregator.exportState())) as AggregatorState;

      const second = setup({ startMode: 'exact' });
      second.aggregator.importState(saved, STARTED + 2);
      expect(second.aggregator.exportState().services).toEqual(first.aggregator.exportState().services);
      second.aggregator.observe(SVC, 'a', [aggregate('k', 8)], STARTED + 2);
      second.aggregator.observe(SVC, 'b', [aggregate('k', 2)], STARTED + 2);
      expect(second.count('k')).toBe(10);
      expect(uuidsOf(second.aggregator.group(SVC, 'k'))).toEqual(['u1']);
    });

    it('detects a counter reset across a resume', () => {
      const first = setup();
      first.aggregator.observe(SVC, 'a', [aggregate('k', 5)], STARTED + 1);
      const second = setup({ startMode: 'exact' });
      second.aggregator.importState(first.aggregator.exportState(), STARTED + 2);
      const r = second.aggregator.observe(SVC, 'a', [aggregate('k', 1)], STARTED + 2);
      expect(second.count('k')).toBe(6);
      expect(r.resets).toBe(1);
    });
  });

  describe('onChange', () => {
    it('announces each changed group once per observation', () => {
      const { aggregator, changes } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1), aggregate('j', 1)], STARTED + 1);
      expect(changes).toEqual([`${SVC}/k`, `${SVC}/j`]);
    });

    it('announces nothing when an observation repeats the last one', () => {
      const { aggregator, changes } = setup();
      const aggregates = [aggregate('k', 1, { createdAt: 100, rawSamples: [rawSample('u1', 1000)] })];
      aggregator.observe(SVC, 'a', aggregates, STARTED + 1);
      changes.length = 0;
      aggregator.observe(SVC, 'a', aggregates, STARTED + 2);
      expect(changes).toEqual([]);
    });

    it('announces only the group that grew', () => {
      const { aggregator, changes } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1), aggregate('j', 1)], STARTED + 1);
      changes.length = 0;
      aggregator.observe(SVC, 'a', [aggregate('k', 1), aggregate('j', 2)], STARTED + 2);
      expect(changes).toEqual([`${SVC}/j`]);
    });

    it('announces an earlier created_at', () => {
      const { aggregator, changes } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { createdAt: 500 })], STARTED + 1);
      changes.length = 0;
      aggregator.observe(SVC, 'b', [aggregate('k', 0, { createdAt: 400 })], STARTED + 2);
      expect(changes).toEqual([`${SVC}/k`]);
    });

    it('announces nothing for a second origin that brings nothing new', () => {
      const { aggregator, changes } = setup();
      aggregator.observe(SVC, 'a', [aggregate('k', 1, { createdAt: 500, rawSamples: [rawSample('u1', 1000)] })], STARTED + 1);
      changes.length = 0;
      aggregator.observe(SVC, 'b', [aggregate('k', 0, { createdAt: 0, rawSamples: [rawSample('u1', 1000)] })], STARTED + 2);
      expect(changes).toEqual([]);
    });
  });

  it("counts exactly the true increments of many origins in 'first-start' mode, resets included", () => {
    type Step = { readonly origin: number; readonly key: number; readonly op: 'inc'; readonly n: number } | { readonly origin: number; readonly op: 'reset' };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ origin: fc.nat(3), key: fc.nat(2), op: fc.constant('inc' as const), n: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ origin: fc.nat(3), op: fc.constant('reset' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { aggregator, count } = setup();
        const counters = new Map<number, Map<string, number>>();
        const truth = new Map<string, number>();
        let now = STARTED;
        for (const step of steps) {
          const counter = counters.get(step.origin) ?? new Map<string, number>();
          counters.set(step.origin, counter);
          // A restarted target that still lists its keys, at 0 (see counter-reset-after-target-restart.test.ts).
          if (step.op === 'reset') for (const key of counter.keys()) counter.set(key, 0);
          else {
            const key = `k${step.key}`;
            counter.set(key, (counter.get(key) ?? 0) + step.n);
            truth.set(key, (truth.get(key) ?? 0) + step.n);
          }
          // The origin that changed is scraped right after every change.
          aggregator.observe(SVC, `origin-${step.origin}`, [...counter].map(([k, v]) => aggregate(k, v)), ++now);
        }
        for (const [key, total] of truth) expect(count(key)).toBe(total);
      }),
      { numRuns: 200 },
    );
  });
});
