import { describe, expect, it } from 'vitest';
import type { Delta, WireGroup } from '../../../common/federation/messages.js';
import type { Occurrence } from '../../../common/occurrence.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { MINUTE_MS } from '../../../hub/state/series.js';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_VERSION } from '../../../hub/store/snapshot-codec.js';
import { encodeSnapshotV1 } from '../../helpers/snapshot-v1.js';
import { GROUPS_PER_FRAME } from '../../../hub/store/snapshot-v2.js';
import { occurrence, wireGroup } from '../../helpers/builders.js';

const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);
const STACK = ['at a.B.c(B.java:1)', 'at a.B.d(B.java:2)'];

function populated(groups = 3) {
  let now = T0;
  const state = new HubState({ samplesPerGroup: 5, now: () => now });
  const source = state.source('eu-1', 'agent', 'e1');
  const own = state.lineages.intern('eu-1', 'e1', { region: 'eu' }, []).id;
  const viaHub = state.lineages.intern('us-1', 'e7', { region: 'us' }, ['regional']).id;
  const sample = (uuid: string, ts: number): Occurrence =>
    occurrence(uuid, ts, { chain: [{ class: 'IllegalState', message: 'bad state', stacktrace: [...STACK] }, { class: 'Cause', message: 'c', stacktrace: null }], http: { method: 'GET', url: 'http://x/y', headers: { accept: '*/*' }, body: '' } });
  const list: WireGroup[] = [];
  for (let i = 0; i < groups; i++) list.push(wireGroup(`k${i}`, [[0, 10 + i], [1, 2]], { created_at: T0 - 1000, last_seen: T0 + i, samples: [sample(`u${i}a`, T0 + i), sample(`u${i}b`, T0 + i + 1)] }));
  const delta: Delta = { t: 'delta', seq: 7, services: [{ name: 'checkout', groups: list }], targets: [] };
  state.mergeMessage(source, delta, (ref) => (ref === 0 ? own : ref === 1 ? viaHub : undefined));
  now += 3 * MINUTE_MS;
  state.mergeMessage(source, { ...delta, seq: 8, services: [{ name: 'checkout', groups: [wireGroup('k0', [[0, 15]])] }] }, (ref) => (ref === 0 ? own : undefined));
  state.resolve('checkout', 'k1', { at: T0 + 5, total: 13 });
  return { state, now: () => now };
}

/** What a state holds, in plain values, for comparing before and after a round trip. */
function contents(state: HubState) {
  return {
    groups: [...state.services].map(([service, groups]) => [
      service,
      [...groups.values()].map((g) => ({
        key: g.key, severity: g.severity, createdAt: g.createdAt, lastSeen: g.lastSeen, counts: [...g.counts], total: g.total,
        samples: g.samples, resolution: g.resolution, regressedAt: g.regressedAt, updatedAt: g.updatedAt, headline: g.headline,
        samplesEvicted: g.samplesEvicted, series: g.series,
      })),
    ]),
    serviceSeries: [...state.serviceSeries],
    lineages: [...state.lineages.all()],
    sources: [...state.sources.values()].map((s) => [s.name, s.kind, s.lastEpoch, [...s.ackedSeqs]]),
    stats: state.stats(),
  };
}

describe('snapshot codec', () => {
  it('brings back everything it saved: counts, samples, resolution, series, headline, lineages, sources', () => {
    const { state, now } = populated();
    const loaded = new HubState({ samplesPerGroup: 5 });
    const meta = decodeSnapshot(encodeSnapshot(state, 'hub-a', 4, now()), loaded, SNAPSHOT_VERSION);
    expect(meta).toEqual({ hubId: 'hub-a', journalFrom: 4, savedAt: now() });
    expect(contents(loaded)).toEqual(contents(state));
  });

  it("keeps each source's last message time and message, byte and connection counts for the Fleet view", () => {
    const { state, now } = populated();
    const source = state.sources.get('eu-1');
    if (source === undefined) throw new Error('no source');
    Object.assign(source, { lastMessageAt: T0 + 42, messagesIn: 1234, bytesIn: 56_789, connections: 3 });
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshot(state, 'hub-a', 1, now()), loaded);
    const back = loaded.sources.get('eu-1');
    expect([back?.lastMessageAt, back?.messagesIn, back?.bytesIn, back?.connections, back?.connected]).toEqual([T0 + 42, 1234, 56_789, 3, false]);
  });

  it('shares identical stack traces again after loading', () => {
    const { state, now } = populated();
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshot(state, 'hub-a', 1, now()), loaded);
    const [a, b] = [loaded.group('checkout', 'k0'), loaded.group('checkout', 'k2')];
    expect(a?.samples[0]?.chain[0]?.stacktrace).toBe(b?.samples[1]?.chain[0]?.stacktrace);
  });

  it('spans many frames for many groups', () => {
    const { state, now } = populated(GROUPS_PER_FRAME * 2 + 5);
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshot(state, 'hub-a', 1, now()), loaded);
    expect(loaded.stats().groups).toBe(GROUPS_PER_FRAME * 2 + 5);
    expect(contents(loaded)).toEqual(contents(state));
  });

  it('reads version 1 files, as hubs before series wrote them', () => {
    const { state, now } = populated();
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshotV1(state, 'hub-old', 3, now()), loaded, 1);
    const g = loaded.group('checkout', 'k0');
    expect(g).toMatchObject({ total: 17, severity: 'error', series: null, headline: { class: 'IllegalState', message: 'bad state' } });
    expect(g?.samples.map((s) => s.uuid)).toEqual(['u0b', 'u0a']);
    expect(loaded.group('checkout', 'k1')?.resolution).toEqual({ at: T0 + 5, total: 13 });
    expect(loaded.stats()).toMatchObject({ groups: 3, samples: 6 });
  });

  it('drops series buckets older than their windows while saving', () => {
    const { state } = populated();
    const week = 7 * 24 * 60 * MINUTE_MS;
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshot(state, 'hub-a', 1, T0 + week + 10 * MINUTE_MS), loaded);
    expect(loaded.group('checkout', 'k0')?.series).toBeNull();
    expect(loaded.serviceSeries.size).toBe(0);
  });

  it('refuses a payload whose frames are cut short', () => {
    const { state, now } = populated();
    const payload = encodeSnapshot(state, 'hub-a', 1, now());
    expect(() => decodeSnapshot(payload.subarray(0, payload.length - 3), new HubState({ samplesPerGroup: 5 }))).toThrow(/cut short/);
  });
});
