import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Delta } from '../../../common/federation/messages.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_VERSION } from '../../../hub/store/snapshot-codec.js';
import { wireGroup } from '../../helpers/builders.js';

const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);

function stateWith(tagged: boolean): HubState {
  const state = new HubState({ samplesPerGroup: 5, now: () => T0 });
  const source = state.source('eu-1', 'agent', 'e1');
  const own = state.lineages.intern('eu-1', 'e1', {}, []).id;
  const tags = tagged ? { environments: [[0, 'production', 4, T0, T0 + 9], [0, 'staging', 1, T0 + 2, T0 + 2]] as [number, string, number, number, number][], releases: [[0, '2.1.0', 5, T0, T0 + 9]] as [number, string, number, number, number][] } : {};
  const delta: Delta = { t: 'delta', seq: 1, services: [{ name: 'web', groups: [wireGroup('k', [[0, 5]], { created_at: T0, last_seen: T0 + 9, ...tags })] }], targets: [] };
  state.mergeMessage(source, delta, (ref) => (ref === 0 ? own : undefined));
  return state;
}

/** The group tuples of a snapshot's groups frames, as written. */
function savedGroups(payload: Buffer): unknown[][] {
  const packr = new Packr({ useRecords: false, moreTypes: false });
  const out: unknown[][] = [];
  for (let off = 0; off < payload.length;) {
    const length = payload.readUInt32BE(off);
    const f = packr.unpack(payload.subarray(off + 4, off + 4 + length)) as unknown[];
    if (f[0] === 2) out.push(...(f[4] as unknown[][]));
    off += 4 + length;
  }
  return out;
}

describe('snapshots and the release and environment breakdowns', () => {
  it('bring the breakdowns back per lineage', () => {
    const state = stateWith(true);
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(encodeSnapshot(state, 'hub-a', 0, T0), loaded, SNAPSHOT_VERSION);
    const g = loaded.group('web', 'k');
    expect(g?.environments).toEqual(state.group('web', 'k')?.environments);
    expect(g?.releases).toEqual(state.group('web', 'k')?.releases);
    expect([...(g?.environments?.values() ?? [])][0]?.get('production')).toEqual({ count: 4, first: T0, last: T0 + 9 });
  });

  it('load a snapshot of a hub before them (groups of 12 fields): the group has no breakdown', () => {
    const old = encodeSnapshot(stateWith(false), 'hub-a', 0, T0);
    expect(savedGroups(old).map((g) => g.length)).toEqual([12]);
    const loaded = new HubState({ samplesPerGroup: 5 });
    decodeSnapshot(old, loaded, SNAPSHOT_VERSION);
    const g = loaded.group('web', 'k');
    expect(g?.total).toBe(5);
    expect(g?.environments).toBeUndefined();
    expect(g?.releases).toBeUndefined();
    expect(savedGroups(encodeSnapshot(stateWith(true), 'hub-a', 0, T0)).map((x) => x.length)).toEqual([13]);
  });
});
