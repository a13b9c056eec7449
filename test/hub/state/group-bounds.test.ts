import { describe, expect, it } from 'vitest';
import type { Delta, WireGroup } from '../../../common/federation/messages.js';
import { STILL_OCCURRING_MS } from '../../../hub/state/group-bounds.js';
import { HubState, type HubStateOptions, type StateEvent } from '../../../hub/state/hub-state.js';
import { wireGroup } from '../../helpers/builders.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** A hub state with a settable clock and two agent sources, each with its own lineage as ref 0. */
function setup(options: Partial<HubStateOptions> = {}) {
  let now = T0;
  const state = new HubState({ samplesPerGroup: 5, now: () => now, ...options });
  const events: StateEvent[] = [];
  state.onEvent((e) => events.push(e));
  const agents = ['a', 'b'].map((name) => {
    const source = state.source(name, 'agent', 'e1');
    const id = state.lineages.intern(name, 'e1', {}, []).id;
    let seq = 0;
    return (groups: WireGroup[]) => {
      const message: Delta = { t: 'delta', seq: ++seq, services: [{ name: 'svc', groups }], targets: [] };
      return state.mergeMessage(source, message, (ref) => (ref === 0 ? id : undefined));
    };
  });
  const [a, b] = agents as [(g: WireGroup[]) => ReturnType<HubState['mergeMessage']>, (g: WireGroup[]) => ReturnType<HubState['mergeMessage']>];
  const keys = () => [...(state.services.get('svc')?.keys() ?? [])].sort();
  return { state, events, a, b, keys, tick: (ms: number) => (now += ms), now: () => now };
}

describe('hub group bounds', () => {
  describe('retention', () => {
    it('forgets a group unchanged for longer than the retention, with its samples, and keeps the others', () => {
      const h = setup({ retentionMs: 30 * DAY });
      h.a([wireGroup('old', [[0, 5]], { last_seen: T0 })]);
      h.tick(20 * DAY);
      h.a([wireGroup('recent', [[0, 1]], { last_seen: h.now() })]);
      h.tick(11 * DAY);
      expect(h.state.forgetIdle()).toBe(1);
      expect(h.keys()).toEqual(['recent']);
      expect(h.state.stats().groups).toBe(1);
      expect(h.events.filter((e) => e.type === 'forgotten').map((e) => e.type === 'forgotten' && [e.group.key, e.reason])).toEqual([['old', 'retention']]);
      expect(h.state.bounds.forgotten.retention).toBe(1);
    });

    it('counts a group that grew as seen: it is not forgotten', () => {
      const h = setup({ retentionMs: 30 * DAY });
      h.a([wireGroup('k', [[0, 5]], { last_seen: T0 })]);
      h.tick(29 * DAY);
      h.a([wireGroup('k', [[0, 6]], { last_seen: h.now() })]);
      h.tick(29 * DAY);
      expect(h.state.forgetIdle()).toBe(0);
      expect(h.keys()).toEqual(['k']);
    });

    it('recreates a forgotten group from the cumulative counts with its exact total, announced as new', () => {
      const h = setup({ retentionMs: 30 * DAY });
      h.a([wireGroup('k', [[0, 5]], { last_seen: T0 })]);
      h.b([wireGroup('k', [[0, 2]], { last_seen: T0 })]);
      h.tick(31 * DAY);
      h.state.forgetIdle();
      h.events.length = 0;
      h.a([wireGroup('k', [[0, 6]], { last_seen: h.now() })]);
      h.b([wireGroup('k', [[0, 2]], { last_seen: T0 })]);
      expect(h.state.group('svc', 'k')?.total).toBe(8);
      expect(h.events.filter((e) => e.type === 'group' && e.isNew)).toHaveLength(1);
    });
  });

  describe('max_groups', () => {
    it('forgets the least recently seen group first to make room for a new one', () => {
      const h = setup({ maxGroups: 3 });
      for (const k of ['g1', 'g2', 'g3']) {
        h.a([wireGroup(k, [[0, 1]])]);
        h.tick(STILL_OCCURRING_MS);
      }
      h.a([wireGroup('g1', [[0, 2]])]); // g1 is now the most recently seen
      h.tick(STILL_OCCURRING_MS);
      h.a([wireGroup('g4', [[0, 1]])]);
      expect(h.keys()).toEqual(['g1', 'g3', 'g4']);
      h.tick(STILL_OCCURRING_MS + 1);
      h.a([wireGroup('g5', [[0, 1]])]);
      expect(h.keys()).toEqual(['g1', 'g4', 'g5']);
      expect(h.state.bounds.forgotten.max_groups).toBe(2);
      expect(h.state.stats().groups).toBe(3);
    });

    it('never forgets a group that is still occurring: the new group is refused and counted instead', () => {
      const h = setup({ maxGroups: 2 });
      h.a([wireGroup('g1', [[0, 1]]), wireGroup('g2', [[0, 1]])]);
      h.tick(STILL_OCCURRING_MS - 1);
      const stats = h.a([wireGroup('g3', [[0, 1]])]);
      expect(stats.refused).toBe(1);
      expect(h.keys()).toEqual(['g1', 'g2']);
      expect(h.state.bounds.refused.max_groups).toBe(1);
      // Held groups still merge.
      h.a([wireGroup('g1', [[0, 4]])]);
      expect(h.state.group('svc', 'g1')?.total).toBe(4);
    });
  });

  describe('groups per source', () => {
    it('refuses the groups a source brings beyond its limit, counted on the source, and lets others in', () => {
      const h = setup({ maxGroupsPerSource: 2 });
      const stats = h.a([wireGroup('a1', [[0, 1]]), wireGroup('a2', [[0, 1]]), wireGroup('a3', [[0, 1]])]);
      expect(stats.refused).toBe(1);
      expect(h.state.sources.get('a')?.groupsRefused).toBe(1);
      expect(h.state.bounds.refused.source_limit).toBe(1);
      h.b([wireGroup('b1', [[0, 1]]), wireGroup('a3', [[0, 7]])]);
      expect(h.keys()).toEqual(['a1', 'a2', 'a3', 'b1']);
      // a counts into groups it did not bring, whatever its limit.
      h.a([wireGroup('b1', [[0, 3]])]);
      expect(h.state.group('svc', 'b1')?.total).toBe(4);
    });

    it('frees a source\'s share when its groups are forgotten', () => {
      const h = setup({ maxGroupsPerSource: 1, retentionMs: DAY });
      h.a([wireGroup('a1', [[0, 1]])]);
      h.tick(DAY + 1);
      h.state.forgetIdle();
      expect(h.a([wireGroup('a2', [[0, 1]], { last_seen: h.now() })]).refused).toBe(0);
      expect(h.state.bounds.groupsOf('a')).toBe(1);
    });

    it('rebuilds order and shares from the groups themselves after a load', () => {
      const h = setup({ maxGroupsPerSource: 2 });
      h.a([wireGroup('a1', [[0, 1]])]);
      h.tick(1000);
      h.b([wireGroup('b1', [[0, 1]])]);
      h.state.loaded();
      expect(h.state.bounds.groupsOf('a')).toBe(1);
      expect(h.state.bounds.groupsOf('b')).toBe(1);
      expect(h.state.bounds.oldest()?.key).toBe('a1');
    });
  });
});
