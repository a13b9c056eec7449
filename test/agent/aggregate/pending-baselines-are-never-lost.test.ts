import { describe, expect, it } from 'vitest';
import { Aggregator, type AggregatorOptions, type AggregatorState } from '../../../agent/aggregate/aggregator.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

/**
 * While no hub has said whether this is a first start, first observations are held back as
 * baselines. Whatever happens to the origin or the process before the hub answers, a first start
 * must still count them.
 */
const SVC = 'checkout';
const STARTED = 1_700_000_000_000;

function pending(overrides: Partial<AggregatorOptions> = {}) {
  const aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'pending', startedAt: STARTED, startupWindowMs: 60_000, onChange: () => undefined, ...overrides,
  });
  return { aggregator, count: (key: string) => aggregator.group(SVC, key)?.count };
}

describe('baselines held back while the start is pending', () => {
  it('are counted on a first start after their origin was forgotten', () => {
    const { aggregator, count } = pending();
    aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1000);
    aggregator.resolveStart(false);
    expect(count('k')).toBe(50);
  });

  it('are counted on a first start after their origin expired', () => {
    const { aggregator, count } = pending();
    aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
    aggregator.expireOrigins(STARTED + 10_000, 1000);
    aggregator.resolveStart(false);
    expect(count('k')).toBe(50);
  });

  it('stay uncounted on a restart after their origin was forgotten', () => {
    const { aggregator, count } = pending();
    aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
    aggregator.forgetOrigin(SVC, 'a', STARTED + 1000);
    aggregator.resolveStart(true);
    expect(count('k')).toBe(0);
  });

  it('survive a save and a resume, and are counted on a first start', () => {
    const first = pending();
    first.aggregator.observe(SVC, 'a', [aggregate('k', 50)], STARTED + 1000);
    const saved = JSON.parse(JSON.stringify(first.aggregator.exportState())) as AggregatorState;
    expect(saved.startMode).toBe('pending');

    const resumed = pending({ startMode: saved.startMode === 'pending' ? 'pending' : 'exact' });
    resumed.aggregator.importState(saved, STARTED + 2000);
    resumed.aggregator.observe(SVC, 'a', [aggregate('k', 52)], STARTED + 2000);
    resumed.aggregator.resolveStart(false);
    expect(resumed.count('k')).toBe(52);
  });
});
