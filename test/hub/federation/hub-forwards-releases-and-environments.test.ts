import { describe, expect, it } from 'vitest';
import type { Delta } from '../../../common/federation/messages.js';
import { HubLinkSource } from '../../../hub/federation/hub-link-source.js';
import type { HubGroup } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { wireGroup } from '../../helpers/builders.js';

const T0 = 1_700_000_000_000;
type Tag = [number, string, number, number, number];

describe('a hub forwarding to its parent', () => {
  it('sends each lineage\'s environment and release counts, so the parent shows the same breakdown and a re-send changes nothing', () => {
    const regional = new HubState({ samplesPerGroup: 5, now: () => T0 });
    const a = regional.lineages.intern('agent-a', 'e1', {}, []).id;
    const b = regional.lineages.intern('agent-b', 'e1', {}, []).id;
    const envA: Tag[] = [[0, 'production', 3, T0, T0 + 5]];
    const envB: Tag[] = [[0, 'production', 2, T0 + 1, T0 + 2], [0, 'staging', 1, T0, T0]];
    const delta = (environments: Tag[], n: number): Delta => ({ t: 'delta', seq: 1, services: [{ name: 'web', groups: [wireGroup('k', [[0, n]], { environments, releases: [[0, '1.0', n, T0, T0 + 5]] })] }], targets: [] });
    regional.mergeMessage(regional.source('agent-a', 'agent', 'e1'), delta(envA, 3), () => a);
    regional.mergeMessage(regional.source('agent-b', 'agent', 'e1'), delta(envB, 3), () => b);

    const link = new HubLinkSource(regional).openConnection();
    const wire = link.toWire(regional.group('web', 'k') as HubGroup, -1);
    const lineages = link.pendingLineageDefs() ?? [];
    expect(wire.group.environments).toHaveLength(3);
    const global = new HubState({ samplesPerGroup: 5, now: () => T0 });
    const ids = new Map(lineages.map((l) => [l.ref, global.lineages.intern(l.name, l.epoch, l.labels, [...l.via, 'regional']).id]));
    const up: Delta = { t: 'delta', seq: 1, lineages, services: [{ name: 'web', groups: [{ ...wire.group, samples: [] }] }], targets: [] };
    const source = global.source('regional', 'hub', 'r1');
    global.mergeMessage(source, up, (ref) => ids.get(ref));
    global.mergeMessage(source, { ...up, seq: 2 }, (ref) => ids.get(ref));
    const g = global.group('web', 'k') as HubGroup;
    expect(g.total).toBe(6);
    const sum = (t: HubGroup['environments']) => {
      const out = new Map<string, number>();
      for (const tally of t?.values() ?? []) for (const [v, e] of tally) out.set(v, (out.get(v) ?? 0) + e.count);
      return out;
    };
    expect(sum(g.environments)).toEqual(new Map([['production', 5], ['staging', 1]]));
    expect(sum(g.releases)).toEqual(new Map([['1.0', 6]]));
  });
});
