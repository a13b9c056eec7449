import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

/**
 * A target that restarts counts from zero again. Periskop ignored the smaller value and undercounted;
 * the agent treats it as a counter reset (Prometheus semantics, DESIGN section 3, rule 1).
 */
const SVC = 'checkout';
const T0 = 1_700_000_000_000;

function agent() {
  const aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: T0, startupWindowMs: 60_000, onChange: () => undefined,
  });
  return { aggregator, count: (key: string) => aggregator.group(SVC, key)?.count };
}

describe('counter reset after a target restart', () => {
  it('counts the smaller value after a restart as new occurrences (last 5, next 3: 8)', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'http://10.0.0.1:8080/errors', [aggregate('k', 5)], T0 + 1);
    aggregator.observe(SVC, 'http://10.0.0.1:8080/errors', [aggregate('k', 3)], T0 + 2);
    expect(count('k')).toBe(8);
  });

  it('reports the reset in the result', () => {
    const { aggregator } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], T0 + 1);
    const r = aggregator.observe(SVC, 'a', [aggregate('k', 3)], T0 + 2);
    expect(r).toMatchObject({ resets: 1, increments: 3 });
  });

  it('counts the growth after a restart observed at zero', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], T0 + 1);
    aggregator.observe(SVC, 'a', [aggregate('k', 0)], T0 + 2);
    aggregator.observe(SVC, 'a', [aggregate('k', 9)], T0 + 3);
    expect(count('k')).toBe(14);
  });

  it('counts a key that came back smaller after missing from a scrape', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], T0 + 1);
    aggregator.observe(SVC, 'a', [], T0 + 2);
    aggregator.observe(SVC, 'a', [aggregate('k', 2)], T0 + 3);
    expect(count('k')).toBe(7);
  });

  it('handles every key of a restarted target on its own', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5), aggregate('j', 2)], T0 + 1);
    aggregator.observe(SVC, 'a', [aggregate('k', 1), aggregate('j', 4)], T0 + 2);
    expect([count('k'), count('j')]).toEqual([6, 4]);
  });

  it('survives several restarts in a row', () => {
    const { aggregator, count } = agent();
    for (const [i, value] of [4, 1, 3, 0, 2].entries()) aggregator.observe(SVC, 'a', [aggregate('k', value)], T0 + i);
    expect(count('k')).toBe(4 + 1 + 2 + 0 + 2);
  });

  it('does not touch the counts of the other origins', () => {
    const { aggregator, count } = agent();
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], T0 + 1);
    aggregator.observe(SVC, 'b', [aggregate('k', 10)], T0 + 1);
    aggregator.observe(SVC, 'a', [aggregate('k', 1)], T0 + 2);
    aggregator.observe(SVC, 'b', [aggregate('k', 10)], T0 + 2);
    expect(count('k')).toBe(16);
  });
});
