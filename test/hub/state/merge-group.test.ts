import { describe, expect, it } from 'vitest';
import { totalOf } from '../../../hub/state/lineage-counts.js';
import { type HubGroup, statusOf } from '../../../hub/state/group.js';
import { mergeGroup } from '../../../hub/state/merge-group.js';
import { occurrence, wireGroup } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;
const CAP = 20;
/** Lineage refs map to themselves; ref 99 is one this hub does not know. */
const ids = (ref: number) => (ref === 99 ? undefined : ref);

function held(counts: [number, number][] = [], overrides: Partial<HubGroup> = {}): HubGroup {
  const map = new Map(counts);
  return {
    service: 'checkout', key: 'k', severity: 'error', createdAt: 0, lastSeen: 0, counts: map, total: totalOf(map), samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: null, samplesEvicted: false, series: null, searchText: null, ...overrides,
  };
}

describe('mergeGroup', () => {
  describe('counts', () => {
    it('takes the per-lineage maximum and sums the lineages (A 10 + {A 12, B 3} = 15)', () => {
      const group = held([[1, 10]]);
      const outcome = mergeGroup(group, wireGroup('k', [[1, 12], [2, 3]]), ids, CAP, NOW);
      expect([...group.counts]).toEqual([[1, 12], [2, 3]]);
      expect(group.total).toBe(15);
      expect(outcome.grew).toBe(5);
    });

    it('changes nothing when the same update arrives twice', () => {
      const group = held();
      const update = wireGroup('k', [[1, 12]], { created_at: 100, last_seen: 200, samples: [occurrence('u1', 200)] });
      mergeGroup(group, update, ids, CAP, NOW);
      const samples = group.samples;
      const again = mergeGroup(group, update, ids, CAP, NOW + 1);
      expect(again).toEqual({ grew: 0, newSamples: 0, added: [], regressed: false, changed: false, ignoredLower: 0 });
      expect(group.total).toBe(12);
      expect(group.samples).toBe(samples);
      expect(group.updatedAt).toBe(NOW);
    });

    it('keeps the newer value when updates arrive out of order', () => {
      const group = held();
      mergeGroup(group, wireGroup('k', [[1, 12]]), ids, CAP, NOW);
      mergeGroup(group, wireGroup('k', [[1, 10]]), ids, CAP, NOW);
      expect(group.total).toBe(12);
    });

    it('ignores a lower value and counts it as ignoredLower', () => {
      const group = held([[1, 10]]);
      const outcome = mergeGroup(group, wireGroup('k', [[1, 7], [2, 1]]), ids, CAP, NOW);
      expect(outcome).toMatchObject({ grew: 1, ignoredLower: 1 });
      expect(group.counts.get(1)).toBe(10);
    });

    it('does not count an equal value as lower', () => {
      const group = held([[1, 10]]);
      expect(mergeGroup(group, wireGroup('k', [[1, 10]]), ids, CAP, NOW).ignoredLower).toBe(0);
    });

    it('ignores counts of unknown lineage refs', () => {
      const group = held([[1, 10]]);
      const outcome = mergeGroup(group, wireGroup('k', [[99, 50]]), ids, CAP, NOW);
      expect(group.total).toBe(10);
      expect(outcome.grew).toBe(0);
    });
  });

  describe('dates and severity', () => {
    it('keeps the earliest created_at', () => {
      const group = held([], { createdAt: 500 });
      mergeGroup(group, wireGroup('k', [], { created_at: 300 }), ids, CAP, NOW);
      expect(group.createdAt).toBe(300);
    });

    it('ignores an unknown (0) created_at', () => {
      const group = held([], { createdAt: 500 });
      expect(mergeGroup(group, wireGroup('k', [], { created_at: 0 }), ids, CAP, NOW).changed).toBe(false);
      expect(group.createdAt).toBe(500);
    });

    it('fills in an unknown held created_at', () => {
      const group = held([], { createdAt: 0 });
      mergeGroup(group, wireGroup('k', [], { created_at: 700 }), ids, CAP, NOW);
      expect(group.createdAt).toBe(700);
    });

    it('takes the severity of the update with the newest last_seen', () => {
      const group = held([], { severity: 'error', lastSeen: 100 });
      mergeGroup(group, wireGroup('k', [], { severity: 'warning', last_seen: 200 }), ids, CAP, NOW);
      expect([group.severity, group.lastSeen]).toEqual(['warning', 200]);
    });

    it('keeps the severity and last_seen against an older update', () => {
      const group = held([], { severity: 'error', lastSeen: 200 });
      mergeGroup(group, wireGroup('k', [], { severity: 'info', last_seen: 100 }), ids, CAP, NOW);
      expect([group.severity, group.lastSeen]).toEqual(['error', 200]);
    });
  });

  describe('samples', () => {
    it('adds new samples, newest first, and counts them', () => {
      const group = held([], { samples: [occurrence('u1', 100)] });
      const outcome = mergeGroup(group, wireGroup('k', [], { samples: [occurrence('u2', 200), occurrence('u1', 100)] }), ids, CAP, NOW);
      expect(group.samples.map((s) => s.uuid)).toEqual(['u2', 'u1']);
      expect(outcome).toMatchObject({ newSamples: 1, changed: true });
    });

    it('caps the samples', () => {
      const group = held();
      mergeGroup(group, wireGroup('k', [], { samples: [1, 2, 3].map((i) => occurrence(`u${i}`, i)) }), ids, 2, NOW);
      expect(group.samples.map((s) => s.uuid)).toEqual(['u3', 'u2']);
    });
  });

  describe('resolution', () => {
    const resolved = () => held([[1, 10]], { resolution: { at: 5000, total: 10 }, samples: [occurrence('u1', 4000)] });

    it('brings a resolved group back when its total grows past the total at resolve', () => {
      const group = resolved();
      const outcome = mergeGroup(group, wireGroup('k', [[1, 11]]), ids, CAP, NOW);
      expect(outcome.regressed).toBe(true);
      expect(group.resolution).toBeNull();
      expect(group.regressedAt).toBe(NOW);
      expect(statusOf(group)).toBe('regressed');
    });

    it('brings a resolved group back when a new lineage adds to its total', () => {
      const group = resolved();
      expect(mergeGroup(group, wireGroup('k', [[2, 1]]), ids, CAP, NOW).regressed).toBe(true);
    });

    it('brings a resolved group back when a sample newer than the resolve arrives', () => {
      const group = resolved();
      const outcome = mergeGroup(group, wireGroup('k', [[1, 10]], { samples: [occurrence('u2', 6000)] }), ids, CAP, NOW);
      expect(outcome.regressed).toBe(true);
      expect(statusOf(group)).toBe('regressed');
    });

    it('keeps a group resolved when the same total is replayed', () => {
      const group = resolved();
      expect(mergeGroup(group, wireGroup('k', [[1, 10]]), ids, CAP, NOW).regressed).toBe(false);
      expect(statusOf(group)).toBe('resolved');
    });

    it('keeps a group resolved when a sample older than the resolve arrives', () => {
      const group = resolved();
      const outcome = mergeGroup(group, wireGroup('k', [[1, 10]], { samples: [occurrence('u0', 3000)] }), ids, CAP, NOW);
      expect(outcome).toMatchObject({ regressed: false, newSamples: 1 });
      expect(statusOf(group)).toBe('resolved');
    });

    it('keeps a group resolved when a held sample newer than the resolve is replayed', () => {
      const group = held([[1, 10]], { resolution: { at: 5000, total: 10 }, samples: [occurrence('u9', 6000)] });
      expect(mergeGroup(group, wireGroup('k', [[1, 10]], { samples: [occurrence('u9', 6000)] }), ids, CAP, NOW).regressed).toBe(false);
    });

    it('keeps a group resolved when a lower value is replayed', () => {
      const group = resolved();
      expect(mergeGroup(group, wireGroup('k', [[1, 3]]), ids, CAP, NOW).regressed).toBe(false);
    });
  });
});

describe('statusOf', () => {
  it('calls a group never resolved unresolved', () => {
    expect(statusOf(held())).toBe('unresolved');
  });

  it('calls a group with a resolution resolved', () => {
    expect(statusOf(held([], { resolution: { at: 1, total: 0 } }))).toBe('resolved');
  });

  it('calls a group that came back after a resolve regressed', () => {
    expect(statusOf(held([], { regressedAt: 5 }))).toBe('regressed');
  });
});
