import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeChecksummedFile } from '../../../common/storage/checksummed-file.js';
import { statusOf } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { HubStore } from '../../../hub/store/hub-store.js';
import { encodeSnapshot, SNAPSHOT_VERSION } from '../../../hub/store/snapshot-codec.js';
import { UserActions } from '../../../hub/store/user-actions.js';
import { wireGroup } from '../../helpers/builders.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A hub state with a clock, its store opened on `dir`, and a way to grow a group. */
async function opened(start = 1_000_000) {
  let now = start;
  const state = new HubState({ samplesPerGroup: 5, now: () => now });
  const store = new HubStore(dir, state, logger);
  await store.open('hub-t');
  const source = state.source('a', 'agent', 'e1');
  const own = state.lineages.intern('a', 'e1', {}, []).id;
  let seq = 0;
  const grow = (key: string, total: number) => {
    now += 1000;
    state.mergeMessage(source, { t: 'delta', seq: ++seq, services: [{ name: 's', groups: [wireGroup(key, [[0, total]])] }], targets: [] }, (r) => (r === 0 ? own : undefined));
  };
  return { state, store, grow, actions: new UserActions(state, store, () => now), tick: (ms: number) => (now += ms) };
}

describe('HubStore', () => {
  it('brings a resolve back from the journal alone', async () => {
    const a = await opened();
    a.grow('k', 5);
    await a.actions.resolve('s', 'k');
    await a.store.close();
    const b = await opened();
    expect(b.state.group('s', 'k')?.resolution).toMatchObject({ total: 5 });
    await b.store.close();
  });

  it('does not let a journal record older than the snapshot undo a regression', async () => {
    const a = await opened();
    a.grow('k', 5);
    await a.store.snapshot('hub-t');
    // Appended after the journal rotated: it lands in the file the snapshot replays.
    await a.actions.resolve('s', 'k');
    a.grow('k', 9);
    expect(statusOf(a.state.group('s', 'k')!)).toBe('regressed');
    // A snapshot captured after the regression, yet naming the file that holds the resolve.
    await writeChecksummedFile(a.store.snapshotFile, 'CNHS', SNAPSHOT_VERSION, encodeSnapshot(a.state, 'hub-t', 2, Date.now()));
    await a.store.close();
    const b = await opened();
    expect(statusOf(b.state.group('s', 'k')!)).toBe('regressed');
    expect(b.state.group('s', 'k')?.total).toBe(9);
    await b.store.close();
  });

  it('applies an unresolve that came after the resolve in the journal', async () => {
    const a = await opened();
    a.grow('k', 5);
    await a.actions.resolve('s', 'k');
    a.tick(10);
    await a.actions.unresolve('s', 'k');
    await a.store.close();
    const b = await opened();
    expect(statusOf(b.state.group('s', 'k')!)).toBe('unresolved');
    await b.store.close();
  });
  it('writes the final snapshot after a running one, so it holds what merged while that one ran', async () => {
    const a = await opened();
    a.grow('early', 2);
    const running = a.store.snapshot('hub-t');
    const final = a.store.finalSnapshot('hub-t');
    // Merged after the running snapshot began capturing, before the final one.
    a.grow('late', 3);
    const [ran, wrote] = await Promise.all([running, final]);
    expect(wrote).not.toBe(ran);
    await a.store.close();
    const b = await opened();
    expect(b.state.group('s', 'late')?.total).toBe(3);
    expect(b.state.group('s', 'early')?.total).toBe(2);
    await b.store.close();
  });
});
