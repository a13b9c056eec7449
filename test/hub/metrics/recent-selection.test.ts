import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HubGroup } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { mostRecentlySeen } from '../../../hub/metrics/occurrences.js';
import { kthLargest } from '../../../hub/metrics/top-k.js';

const byRecency = (a: HubGroup, b: HubGroup): number =>
  b.lastSeen - a.lastSeen || (a.service < b.service ? -1 : a.service > b.service ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function stateOf(lastSeen: readonly number[]): HubState {
  const state = new HubState({ samplesPerGroup: 1 });
  lastSeen.forEach((t, i) => state.restoreGroup({
    service: `svc-${i % 3}`, key: `key-${i}`, severity: 'error', createdAt: 1, lastSeen: t, counts: new Map([[1, 1]]), total: 1, samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: null, samplesEvicted: false, series: null, searchText: null,
  }));
  return state;
}

describe('choosing the groups /metrics exposes (max_series)', () => {
  it('kthLargest is the k-th value of a descending sort (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 }), fc.nat(70), (values, k) => {
      const sorted = [...values].sort((a, b) => b - a);
      const want = sorted[Math.max(1, Math.min(k, values.length)) - 1];
      expect(kthLargest(Float64Array.from(values), k)).toBe(want);
    }));
  });

  it('mostRecentlySeen is the first k of every group sorted by recency, ties by service and key (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 50 }), fc.nat(55), (lastSeen, k) => {
      const state = stateOf(lastSeen);
      const all = [...state.services.values()].flatMap((m) => [...m.values()]).sort(byRecency);
      expect(mostRecentlySeen(state, k).map((g) => `${g.service}/${g.key}`)).toEqual(all.slice(0, k).map((g) => `${g.service}/${g.key}`));
    }));
  });
});
