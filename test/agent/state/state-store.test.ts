import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentState, StateStore } from '../../../agent/state/state-store.js';
import { CorruptFileError, writeChecksummedFile } from '../../../common/storage/checksummed-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function store(): Promise<StateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-state-'));
  dirs.push(dir);
  return new StateStore(dir);
}

const STATE: AgentState = {
  name: 'eu-1', epoch: 'e1', savedAt: 1_700_000_000_000,
  aggregator: {
    startMode: 'exact',
    services: [{
      name: 'web',
      groups: [{ key: 'k', severity: 'error', createdAt: 1, lastSeen: 2, count: 5, samples: [{ uuid: 'u', timestamp: 3, severity: 'error', chain: [{ class: 'E', message: 'm', stacktrace: ['at f'] }], http: null }] }],
      origins: [{ id: 'http://t/errors', lastObservedAt: 4, last: [['k', 5]] }],
    }],
    originTombstones: [{ service: 'web', id: 'http://gone/errors', forgottenAt: 5, last: [['k', 2]] }],
  },
};

describe('the agent state file', () => {
  it('reads back what it saved', async () => {
    const s = await store();
    await s.save(STATE);
    expect(await s.load()).toEqual(STATE);
  });

  it('reads a file written before the optional parts existed', async () => {
    const s = await store();
    const old = { ...STATE, aggregator: { services: [{ name: 'web', groups: [], origins: [] }] } };
    await writeChecksummedFile(s.file, 'CNAS', 1, new Packr({ useRecords: true }).pack(old));
    expect((await s.load())?.aggregator.services).toHaveLength(1);
  });

  it('refuses a file whose checksum is right but which is not an agent state, naming the file and the field', async () => {
    const s = await store();
    const bad = { ...STATE, aggregator: { services: [{ name: 'web', groups: [{ key: 'k', severity: 'error', createdAt: 1, lastSeen: 2, count: -1, samples: [] }], origins: [] }] } };
    await writeChecksummedFile(s.file, 'CNAS', 1, new Packr({ useRecords: true }).pack(bad));
    const err = await s.load().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).file).toBe(s.file);
    expect((err as Error).message).toMatch(/aggregator\.services\.0\.groups\.0\.count/);
  });

  it('refuses a file with content msgpack cannot decode', async () => {
    const s = await store();
    await writeChecksummedFile(s.file, 'CNAS', 1, Buffer.from([0xc1]));
    await expect(s.load()).rejects.toBeInstanceOf(CorruptFileError);
  });
});
