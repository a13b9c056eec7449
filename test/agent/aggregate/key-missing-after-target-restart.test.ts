import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

/**
 * A Periskop client never forgets a key while it runs: a key missing from a complete payload means
 * the target restarted (a client without target_uuid keeps the same origin, its URL). That is the
 * reset, observed; when the key comes back, all of it is new.
 */
const SVC = 'checkout';
const T0 = 1_700_000_000_000;

function agent() {
  const aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: T0, startupWindowMs: 60_000, onChange: () => undefined,
  });
  return { aggregator, count: (key: string) => aggregator.group(SVC, key)?.count };
}

describe('a key missing after a target restart', () => {
  it('counts the key in full when it comes back at its old value', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'http://10.0.0.1:8080/errors', [aggregate('startup-failure', 1)], T0 + 1);
    aggregator.observe(SVC, 'http://10.0.0.1:8080/errors', [], T0 + 2);
    aggregator.observe(SVC, 'http://10.0.0.1:8080/errors', [aggregate('startup-failure', 1)], T0 + 3);
    expect(count('startup-failure')).toBe(2);
  });

  it('counts the key in full when it comes back above its old value', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5), aggregate('j', 1)], T0 + 1);
    aggregator.observe(SVC, 'a', [aggregate('j', 1)], T0 + 2);
    aggregator.observe(SVC, 'a', [aggregate('k', 7), aggregate('j', 1)], T0 + 3);
    expect(count('k')).toBe(12);
  });

  it('counts exactly the true increments of many origins whose restarts drop their keys', () => {
    type Step = { readonly origin: number; readonly key: number; readonly op: 'inc'; readonly n: number } | { readonly origin: number; readonly op: 'reset' };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ origin: fc.nat(3), key: fc.nat(2), op: fc.constant('inc' as const), n: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ origin: fc.nat(3), op: fc.constant('reset' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { aggregator, count } = agent();
        const counters = new Map<number, Map<string, number>>();
        const truth = new Map<string, number>();
        let now = T0;
        for (const step of steps) {
          const counter = counters.get(step.origin) ?? new Map<string, number>();
          counters.set(step.origin, counter);
          if (step.op === 'reset') counter.clear();
          else {
            const key = `k${step.key}`;
            counter.set(key, (counter.get(key) ?? 0) + step.n);
            truth.set(key, (truth.get(key) ?? 0) + step.n);
          }
          aggregator.observe(SVC, `origin-${step.origin}`, [...counter].map(([k, v]) => aggregate(k, v)), ++now);
        }
        for (const [key, total] of truth) expect(count(key)).toBe(total);
      }),
      { numRuns: 200 },
    );
  });
});
