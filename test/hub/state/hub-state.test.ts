import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delta, Sync, WireGroup, WireTarget } from '../../../common/federation/messages.js';
import { statusOf } from '../../../hub/state/group.js';
import { HubState, type StateEvent } from '../../../hub/state/hub-state.js';
import { occurrence, wireGroup } from '../../helpers/builders.js';

const T0 = 1_700_000_000_000;

/** A hub state with a settable clock, one agent source and its lineage as ref 0. */
function setup() {
  let now = T0;
  const state = new HubState({ samplesPerGroup: 20, now: () => now });
  const events: StateEvent[] = [];
  state.onEvent((e) => events.push(e));
  const source = state.source('eu-west-1', 'agent', 'e1');
  const own = state.lineages.intern('eu-west-1', 'e1', {}, []).id;
  const lineageIds = (ref: number) => (ref === 0 ? own : undefined);
  const total = (key: string, service = 'checkout') => state.group(service, key)?.total;
  return { state, events, source, lineageIds, total, tick: (ms: number) => (now += ms), now: () => now };
}

const delta = (seq: number, groups: WireGroup[], extra: Partial<Delta> = {}): Delta => ({
  t: 'delta', seq, services: [{ name: 'checkout', groups }], targets: [], ...extra,
});
const sync = (seq: number, groups: WireGroup[], extra: Partial<Sync> = {}): Sync => ({
  t: 'sync', seq, part: 0, last: true, services: [{ name: 'checkout', groups }], targets: [], ...extra,
});
const target = (url: string, lastScrape: number, up = true): WireTarget => ({
  service: 'checkout', url, agent: 'eu-west-1', up, last_error: '', last_scrape: lastScrape, duration_ms: 3, bytes: 100,
});

describe('HubState', () => {
  describe('merging messages', () => {
    it('creates a group with the severity of its first update and announces it as new', () => {
      const { state, events, source, lineageIds, total } = setup();
      const stats = state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 5]], { severity: 'warning', last_seen: 10 })]), lineageIds);
      expect(total('k')).toBe(5);
      expect(state.group('checkout', 'k')?.severity).toBe('warning');
      expect(stats).toEqual({ groups: 1, grew: 5, newGroups: 1, ignoredLower: 0, refused: 0 });
      expect(events).toMatchObject([{ type: 'group', isNew: true, regressed: false, grew: 5 }]);
    });

    it('changes nothing when the same message is merged twice', () => {
      const { state, events, source, lineageIds, total } = setup();
      const message = delta(1, [wireGroup('k', [[0, 5]], { created_at: 1, last_seen: 10, samples: [occurrence('u1', 10)] })]);
      state.mergeMessage(source, message, lineageIds);
      const version = state.version;
      events.length = 0;
      const stats = state.mergeMessage(source, message, lineageIds);
      expect(total('k')).toBe(5);
      expect(stats.grew).toBe(0);
      expect(events).toEqual([]);
      expect(state.version).toBe(version);
    });

    it('keeps the newest count when messages arrive out of order', () => {
      const { state, source, lineageIds, total } = setup();
      state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 9]])]), lineageIds);
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 5]])]), lineageIds);
      expect(total('k')).toBe(9);
    });

    it('counts lower values as anomalies of the source', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 9]])]), lineageIds);
      const stats = state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 5]])]), lineageIds);
      expect(stats.ignoredLower).toBe(1);
      expect(source.anomalies).toBe(1);
    });

    it('rejects a delta counting a lineage ref never declared, before it creates a service, a group or an event', () => {
      const { state, source, lineageIds } = setup();
      const events: unknown[] = [];
      state.onEvent((e) => events.push(e));
      const bad = delta(1, [wireGroup('fine', [[0, 2]]), wireGroup('k', [[0, 2], [7, 40]])]);
      expect(() => state.mergeMessage(source, bad, lineageIds)).toThrow(expect.objectContaining({ code: 'CN_ERR_BAD_MESSAGE' }));
      expect(state.services.size).toBe(0);
      expect(state.stats().groups).toBe(0);
      expect(events).toEqual([]);
      expect(source.ackedSeqs.size).toBe(0);
    });

    it('sums the lineages of two agents', () => {
      const { state, source, lineageIds, total } = setup();
      const other = state.source('us-east-1', 'agent', 'x1');
      const otherId = state.lineages.intern('us-east-1', 'x1', {}, []).id;
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 5]])]), lineageIds);
      state.mergeMessage(other, delta(1, [wireGroup('k', [[0, 7]])]), (ref) => (ref === 0 ? otherId : undefined));
      expect(total('k')).toBe(12);
    });

    it('keeps the earliest created_at, ignoring unknown ones', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 1]], { created_at: 500 })]), lineageIds);
      state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 2]], { created_at: 0 })]), lineageIds);
      state.mergeMessage(source, delta(3, [wireGroup('k', [[0, 3]], { created_at: 300 })]), lineageIds);
      expect(state.group('checkout', 'k')?.createdAt).toBe(300);
    });

    it('takes the severity of the newest last_seen', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 1]], { severity: 'error', last_seen: 200 })]), lineageIds);
      state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 1]], { severity: 'info', last_seen: 100 })]), lineageIds);
      expect(state.group('checkout', 'k')?.severity).toBe('error');
      state.mergeMessage(source, delta(3, [wireGroup('k', [[0, 2]], { severity: 'warning', last_seen: 300 })]), lineageIds);
      expect(state.group('checkout', 'k')?.severity).toBe('warning');
    });

    it('records the last merged seq of the source epoch', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(7, []), lineageIds);
      expect(source.ackedSeqs.get('e1')).toBe(7);
    });
  });

  describe('targets', () => {
    it('adds the targets of a delta and removes the ones it lists as gone', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [], { targets: [target('http://a/errors', 1), target('http://b/errors', 1)] }), lineageIds);
      state.mergeMessage(source, delta(2, [], { targets: [], targets_removed: [['eu-west-1', 'checkout', 'http://a/errors']] }), lineageIds);
      expect(state.targets().map((t) => t.url)).toEqual(['http://b/errors']);
    });

    it('replaces all targets with those of the first part of a sync', () => {
      const { state, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [], { targets: [target('http://a/errors', 1)] }), lineageIds);
      state.mergeMessage(source, sync(2, [], { part: 0, last: false, targets: [target('http://b/errors', 2)] }), lineageIds);
      state.mergeMessage(source, sync(2, [], { part: 1, last: true, targets: [target('http://c/errors', 2)] }), lineageIds);
      expect(state.targets().map((t) => t.url).sort()).toEqual(['http://b/errors', 'http://c/errors']);
    });

    it('keeps the newest report of a target reported by two sources', () => {
      const { state, source, lineageIds } = setup();
      const regional = state.source('regional', 'hub', 'r1');
      state.mergeMessage(source, delta(1, [], { targets: [target('http://a/errors', 5, true)] }), lineageIds);
      state.mergeMessage(regional, delta(1, [], { targets: [target('http://a/errors', 9, false)] }), () => undefined);
      expect(state.targets()).toMatchObject([{ url: 'http://a/errors', up: false, last_scrape: 9 }]);
    });
  });

  describe('resolution', () => {
    it('hides a resolved group (status resolved) and announces it', () => {
      const { state, events, source, lineageIds } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 10]])]), lineageIds);
      events.length = 0;
      const group = state.resolve('checkout', 'k', { at: T0, total: 10 });
      expect(statusOf(group)).toBe('resolved');
      expect(events).toMatchObject([{ type: 'resolution' }]);
    });

    it('brings a resolved group back, regressed, when its total grows past the total at resolve', () => {
      const { state, events, source, lineageIds, tick, now } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 10]])]), lineageIds);
      state.resolve('checkout', 'k', { at: now(), total: 10 });
      tick(1000);
      events.length = 0;
      state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 11]])]), lineageIds);
      const group = state.group('checkout', 'k');
      expect(group && statusOf(group)).toBe('regressed');
      expect(group?.regressedAt).toBe(now());
      expect(events).toMatchObject([{ type: 'group', regressed: true, grew: 1 }]);
    });

    it('brings a resolved group back when an occurrence newer than the resolve arrives', () => {
      const { state, source, lineageIds, tick, now } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 10]], { samples: [occurrence('u1', T0 - 100)] })]), lineageIds);
      state.resolve('checkout', 'k', { at: now(), total: 10 });
      tick(1000);
      state.mergeMessage(source, delta(2, [wireGroup('k', [[0, 10]], { samples: [occurrence('u2', now())] })]), lineageIds);
      const group = state.group('checkout', 'k');
      expect(group && statusOf(group)).toBe('regressed');
    });

    it('keeps a group resolved through a re-sync of the same state after a restart', () => {
      const { state, source, lineageIds, tick, now } = setup();
      const groups = [wireGroup('k', [[0, 10]], { created_at: T0 - 500, last_seen: T0 - 100, samples: [occurrence('u1', T0 - 100)] })];
      state.mergeMessage(source, sync(1, groups), lineageIds);
      state.resolve('checkout', 'k', { at: now(), total: 10 });
      tick(60_000);
      state.mergeMessage(source, sync(2, groups), lineageIds);
      const group = state.group('checkout', 'k');
      expect(group && statusOf(group)).toBe('resolved');
    });

    it('keeps a group resolved that a journal replay created before its sources re-synced', () => {
      const { state, source, lineageIds, now } = setup();
      state.resolve('checkout', 'k', { at: now(), total: 10 });
      state.mergeMessage(source, sync(1, [wireGroup('k', [[0, 10]], { samples: [occurrence('u1', now() - 100)] })]), lineageIds);
      const group = state.group('checkout', 'k');
      expect(group && statusOf(group)).toBe('resolved');
      expect(group?.total).toBe(10);
    });

    it('shows an unresolved group again as unresolved, not regressed', () => {
      const { state, source, lineageIds, now } = setup();
      state.mergeMessage(source, delta(1, [wireGroup('k', [[0, 10]])]), lineageIds);
      state.resolve('checkout', 'k', { at: now(), total: 10 });
      const group = state.unresolve('checkout', 'k');
      expect(group && statusOf(group)).toBe('unresolved');
    });

    it('returns undefined when unresolving a group it does not know', () => {
      expect(setup().state.unresolve('checkout', 'nope')).toBeUndefined();
    });
  });

  it('reaches the same state whatever the order of its messages, duplicates included', () => {
    // Cumulative observations of 3 lineages x 3 keys; each becomes one single-group delta.
    const stepsArb = fc.array(fc.record({ lineage: fc.nat(2), key: fc.nat(2), inc: fc.nat(50), sampled: fc.boolean() }), { minLength: 1, maxLength: 30 });
    const scenarioArb = stepsArb.chain((steps) => {
      const indexes = [...steps.keys()];
      return fc.tuple(
        fc.constant(steps),
        fc.array(fc.constantFrom(...indexes), { maxLength: 10 }),
        fc.shuffledSubarray(indexes, { minLength: indexes.length, maxLength: indexes.length }),
        fc.shuffledSubarray(indexes, { minLength: indexes.length, maxLength: indexes.length }),
      );
    });
    fc.assert(
      fc.property(scenarioArb, ([steps, duplicates, orderA, orderB]) => {
        const cumulative = new Map<string, number>();
        const messages = steps.map((s, i) => {
          const id = `${s.lineage}/${s.key}`;
          const value = (cumulative.get(id) ?? 0) + s.inc;
          cumulative.set(id, value);
          const samples = s.sampled ? [occurrence(`u${i}`, T0 + i)] : [];
          return { lineage: s.lineage, message: delta(i + 1, [wireGroup(`k${s.key}`, [[0, value]], { created_at: T0 - 1000 * (i % 4), last_seen: T0 + value, samples })]) };
        });
        const run = (order: readonly number[]) => {
          const state = new HubState({ samplesPerGroup: 5, now: () => T0 });
          const ids = [0, 1, 2].map((l) => state.lineages.intern(`agent-${l}`, 'e', {}, []).id);
          const sources = [0, 1, 2].map((l) => state.source(`agent-${l}`, 'agent', 'e'));
          for (const i of order) {
            const m = messages[i];
            if (m === undefined) continue;
            const source = sources[m.lineage];
            if (source !== undefined) state.mergeMessage(source, m.message, (ref) => (ref === 0 ? ids[m.lineage] : undefined));
          }
          const groups = [...(state.services.get('checkout')?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1));
          return groups.map((g) => ({
            key: g.key, total: g.total, counts: [...g.counts].sort(), createdAt: g.createdAt, lastSeen: g.lastSeen, samples: g.samples.map((s) => s.uuid),
          }));
        };
        const inOrder = run([...steps.keys()]);
        expect(run([...orderA, ...duplicates])).toEqual(inOrder);
        expect(run([...duplicates, ...orderB, ...duplicates])).toEqual(inOrder);
        const expectedTotals = new Map<string, number>();
        for (const [id, value] of cumulative) {
          const key = `k${id.split('/')[1]}`;
          expectedTotals.set(key, (expectedTotals.get(key) ?? 0) + value);
        }
        expect(Object.fromEntries(inOrder.map((g) => [g.key, g.total]))).toEqual(Object.fromEntries(expectedTotals));
      }),
      { numRuns: 200 },
    );
  });
});
