import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceGroup } from '../../../common/federation/link-source.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { OTHER_TAG, sumTallies } from '../../../common/merge/tags.js';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { AgentLinkSource } from '../../../agent/ship/agent-link-source.js';
import type { HubGroup } from '../../../hub/state/group.js';
import { mergeGroup } from '../../../hub/state/merge-group.js';
import { tagBreakdown } from '../../../hub/api/v1/errors/tags-presenter.js';

const T0 = 1_700_000_000_000;
const SVC = 'web';

function hubGroup(): HubGroup {
  return {
    service: SVC, key: 'k', severity: 'error', createdAt: 0, lastSeen: 0, counts: new Map(), total: 0, samples: [],
    resolution: null, regressedAt: 0, updatedAt: 0, headline: null, samplesEvicted: false, series: null, searchText: null,
  };
}

/** One agent (its lineage, id 1 at the hub), or a second one (id 2), each counting Sentry-like events one by one. */
const event = fc.record({ agent: fc.integer({ min: 1, max: 2 }), env: fc.constantFrom('production', 'staging', 'dev'), release: fc.integer({ min: 0, max: 40 }) });

/**
 * Per-environment counts at the hub stay exact under the merge rules (DESIGN section 4): deltas and
 * full syncs of cumulative values, replayed, reordered or lost, leave the per-environment counts summing
 * to the total and equal to what the agents counted; a re-sync doubles nothing.
 */
describe('per-environment counts at the hub', () => {
  it('sum to the total, equal the agents\' counts, and survive replays, losses and a re-sync', () => {
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 120 }), fc.array(fc.boolean(), { minLength: 120, maxLength: 120 }), (events, delivered) => {
      const agents = [1, 2].map(() => new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'exact', startedAt: T0, startupWindowMs: 0, onChange: () => undefined }));
      const links = agents.map((a) => new AgentLinkSource(a, () => []).openConnection());
      const totals = [0, 0];
      const expected = new Map<string, number>();
      const wires: { agent: number; group: SourceGroup }[] = [];
      const hub = hubGroup();
      events.forEach((e, i) => {
        const at = T0 + i;
        totals[e.agent - 1] = (totals[e.agent - 1] ?? 0) + 1;
        const aggregator = agents[e.agent - 1] as Aggregator;
        aggregator.observe(SVC, 'sentry:x', [{
          key: 'k', totalCount: totals[e.agent - 1] as number, severity: 'error', createdAt: at, rawSamples: [],
          tagged: [{ environment: e.env, release: `r${e.release}`, count: 1, at }],
        }], at, false);
        expected.set(e.env, (expected.get(e.env) ?? 0) + 1);
        const wire = (links[e.agent - 1] as ReturnType<AgentLinkSource['openConnection']>).toWire(aggregator.group(SVC, 'k') as never, -1).group;
        wires.push({ agent: e.agent, group: wire });
        // Some deltas are lost; some arrive twice.
        if (delivered[i] === true) mergeGroup(hub, wire, () => e.agent, 20, at);
        if (i % 3 === 0 && wires.length > 1) {
          const old = wires[Math.floor(wires.length / 2)] as { agent: number; group: SourceGroup };
          mergeGroup(hub, old.group, () => old.agent, 20, at);
        }
      });
      // Reconnect: each agent syncs its full state (twice: the re-sync after a hub restart).
      for (let round = 0; round < 2; round++) {
        agents.forEach((a, i) => {
          const g = a.group(SVC, 'k');
          if (g !== undefined) mergeGroup(hub, (links[i] as ReturnType<AgentLinkSource['openConnection']>).toWire(g, -1).group, () => i + 1, 20, T0 + 1_000);
        });
      }
      expect(hub.total).toBe(events.length);
      const envs = sumTallies(hub.environments?.values() ?? []);
      expect(new Map([...envs].map(([name, e]) => [name, e.count]))).toEqual(expected);
      const releases = sumTallies(hub.releases?.values() ?? []);
      expect([...releases.values()].reduce((s, e) => s + e.count, 0)).toBe(events.length);
      // As v1 shows it: at most 20 values plus the other bucket, still summing to the total.
      const shown = tagBreakdown(hub.releases, 'newest');
      expect(shown.items.length).toBeLessThanOrEqual(20);
      expect(shown.items.some((t) => t.name === OTHER_TAG)).toBe(false);
      expect(shown.items.reduce((s, t) => s + t.count, 0) + (shown.other?.count ?? 0)).toBe(events.length);
    }), { numRuns: 200 });
  });
});
