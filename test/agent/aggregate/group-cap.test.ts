import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator, type AggregatorOptions } from '../../../agent/aggregate/aggregator.js';
import type { AgentGroup } from '../../../agent/aggregate/group.js';
import { GroupStore } from '../../../agent/aggregate/group-store.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;
const SVC = 'checkout';

function setup(overrides: Partial<AggregatorOptions> = {}) {
  const evicted: string[] = [];
  const changed: AgentGroup[] = [];
  const aggregator = new Aggregator({
    samplesPerGroup: 10,
    limits: DEFAULT_LIMITS,
    startMode: 'first-start',
    startedAt: NOW,
    startupWindowMs: 60_000,
    onChange: (g) => changed.push(g),
    onEvict: (g) => evicted.push(g.key),
    maxGroupsPerService: 3,
    maxTombstonesPerService: 5,
    ...overrides,
  });
  const stats = () => aggregator.serviceStats().find((s) => s.service === SVC);
  const count = (key: string) => aggregator.group(SVC, key)?.count;
  return { aggregator, evicted, changed, stats, count };
}

describe('group cap (max_groups_per_service)', () => {
  it('holds at most the cap of groups per service', () => {
    const { aggregator, stats } = setup();
    aggregator.observe(SVC, 'a', ['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => aggregate(k, 1)), NOW);
    expect(stats()?.groups).toBe(3);
    expect(stats()?.evictedGroups).toBe(2);
  });

  it('evicts the least recently active group, and tells who asked', () => {
    const { aggregator, evicted } = setup();
    aggregator.observe(SVC, 'a', [aggregate('k1', 1), aggregate('k2', 1), aggregate('k3', 1)], NOW);
    aggregator.observe(SVC, 'b', [aggregate('k1', 1)], NOW + 1); // k1 is active again
    aggregator.observe(SVC, 'b', [aggregate('k4', 1)], NOW + 2);
    expect(evicted).toEqual(['k2']);
    expect([...aggregator.groups()].map((g) => g.key).sort()).toEqual(['k1', 'k3', 'k4']);
  });

  it('caps each service on its own', () => {
    const { aggregator } = setup();
    aggregator.observe('a', 'o', ['k1', 'k2', 'k3'].map((k) => aggregate(k, 1)), NOW);
    aggregator.observe('b', 'o', ['k1', 'k2', 'k3'].map((k) => aggregate(k, 1)), NOW);
    expect(aggregator.serviceStats().map((s) => [s.service, s.groups, s.evictedGroups])).toEqual([['a', 3, 0], ['b', 3, 0]]);
  });

  it('resumes an evicted group from its tombstone, so the lineage count never goes backwards', () => {
    const { aggregator, count, stats } = setup();
    aggregator.observe(SVC, 'a', [aggregate('old', 12)], NOW);
    aggregator.observe(SVC, 'b', ['x', 'y', 'z'].map((k) => aggregate(k, 1)), NOW + 1);
    expect(count('old')).toBeUndefined();
    expect(stats()?.tombstones).toBe(1);
    aggregator.observe(SVC, 'a', [aggregate('old', 15)], NOW + 2);
    expect(count('old')).toBe(15);
    expect(stats()?.restored).toBe(1);
    expect(stats()?.tombstones).toBe(1); // "old" left its tombstone; "x" was evicted into one
  });

  it('ships the restored count, not an increment from zero', () => {
    const { aggregator, changed } = setup();
    aggregator.observe(SVC, 'a', [aggregate('old', 12)], NOW);
    aggregator.observe(SVC, 'b', ['x', 'y', 'z'].map((k) => aggregate(k, 1)), NOW + 1);
    changed.length = 0;
    aggregator.observe(SVC, 'c', [aggregate('old', 2)], NOW + 2);
    expect(changed.map((g) => [g.key, g.count])).toEqual([['old', 14]]);
  });

  it('keeps no tombstone for a group with a count of 0', () => {
    const { aggregator, stats } = setup();
    aggregator.observe(SVC, 'a', ['k1', 'k2', 'k3', 'k4'].map((k) => aggregate(k, 0)), NOW);
    expect(stats()?.tombstones).toBe(0);
  });

  it('forgets the oldest tombstones past their cap and counts it (the documented residual risk)', () => {
    const { aggregator, stats, count } = setup({ maxGroupsPerService: 1, maxTombstonesPerService: 2 });
    for (const [i, key] of ['k1', 'k2', 'k3', 'k4'].entries()) aggregator.observe(SVC, `o${i}`, [aggregate(key, 10)], NOW + i);
    expect(stats()).toMatchObject({ groups: 1, tombstones: 2, evictedGroups: 3, evictedTombstones: 1 });
    // k1's tombstone is gone: it restarts from 0 in this lineage (hubs keep max(old, new)).
    aggregator.observe(SVC, 'o9', [aggregate('k1', 3)], NOW + 9);
    expect(count('k1')).toBe(3);
    // Evicting k4 for k1 made a tombstone for k4, which pushed out k2's; k3's is still there.
    aggregator.observe(SVC, 'o8', [aggregate('k3', 3)], NOW + 10);
    expect(count('k3')).toBe(13);
  });

  it('counts the growth of an evicted group exactly when its origin reports it again', () => {
    const { aggregator, count } = setup({ maxGroupsPerService: 1 });
    aggregator.observe(SVC, 'a', [aggregate('k', 5)], NOW);
    aggregator.observe(SVC, 'b', [aggregate('other', 1)], NOW + 1); // evicts k
    aggregator.observe(SVC, 'a', [aggregate('k', 8)], NOW + 2); // origin a still knows k was 5
    expect(count('k')).toBe(8);
  });

  it('saves and restores tombstones and the order of activity (state_dir)', () => {
    const first = setup();
    first.aggregator.observe(SVC, 'a', [aggregate('gone', 7)], NOW);
    first.aggregator.observe(SVC, 'a', ['k1', 'k2', 'k3'].map((k) => aggregate(k, 1)), NOW + 1);
    first.aggregator.observe(SVC, 'b', [aggregate('k1', 1)], NOW + 2);
    const second = setup({ startMode: 'exact' });
    second.aggregator.importState(first.aggregator.exportState(), NOW);
    second.aggregator.observe(SVC, 'c', [aggregate('new', 1)], NOW + 3);
    expect(second.evicted).toEqual(['k2']); // k1 was more recently active than k2 before the restart
    second.aggregator.observe(SVC, 'd', [aggregate('gone', 1)], NOW + 4);
    expect(second.count('gone')).toBe(8);
  });

  it('moves the oldest saved groups into tombstones when the cap is now smaller', () => {
    const big = setup({ maxGroupsPerService: 10 });
    big.aggregator.observe(SVC, 'a', ['k1', 'k2', 'k3', 'k4'].map((k) => aggregate(k, 2)), NOW);
    const small = setup({ startMode: 'exact', maxGroupsPerService: 2 });
    small.aggregator.importState(big.aggregator.exportState(), NOW);
    expect(small.stats()).toMatchObject({ groups: 2, tombstones: 2 });
    small.aggregator.observe(SVC, 'z', [aggregate('k1', 1)], NOW + 1);
    expect(small.count('k1')).toBe(3);
  });

  it('never lets a key\'s lineage count go backwards while its tombstone is held (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 50 })), { maxLength: 200 }),
      (steps) => {
        // Tombstones can hold every key here, so no key ever restarts.
        const { aggregator } = setup({ maxGroupsPerService: 3, maxTombstonesPerService: 100 });
        const highest = new Map<string, number>();
        steps.forEach(([k, origin, total], i) => {
          aggregator.observe(SVC, `o${origin}`, [aggregate(`k${k}`, total)], NOW + i);
          const c = aggregator.group(SVC, `k${k}`)?.count ?? 0;
          if (c < (highest.get(`k${k}`) ?? 0)) throw new Error(`k${k} went from ${highest.get(`k${k}`)} to ${c}`);
          highest.set(`k${k}`, c);
        });
      },
    ));
  });
});

describe('GroupStore', () => {
  it('counts restores and evictions', () => {
    const store = new GroupStore('s', { maxGroups: 1, maxTombstones: 10 });
    store.create('a', 'error').count = 4;
    store.create('b', 'error');
    expect(store.create('a', 'error').count).toBe(4);
    expect(store.stats()).toEqual({ groups: 1, tombstones: 0, evictedGroups: 2, evictedTombstones: 0, restored: 1 });
  });

  it('does not mark a group active when peeked', () => {
    const store = new GroupStore('s', { maxGroups: 2, maxTombstones: 10 });
    store.create('a', 'error');
    store.create('b', 'error');
    store.peek('a');
    store.create('c', 'error');
    expect(store.peek('a')).toBeUndefined();
    expect(store.peek('b')).toBeDefined();
  });
});
