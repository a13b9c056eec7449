import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const payload = {
  target_uuid: 't1',
  aggregated_errors: ['A', 'B', 'C'].map((key, i) => ({ aggregation_key: key, total_count: i + 1, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [] })),
};

/**
 * A hub never starts on damaged files: a corrupt or truncated snapshot and a corrupt journal make it
 * exit 65 naming the file, which is left exactly as it was; a journal whose last record was torn by a
 * crash is reported, its tail set aside, and the hub starts with every record before it.
 */
describe('storage corruption', () => {
  const procs = new Processes();
  let target: FixtureTarget;
  let pristine: string;

  beforeAll(async () => {
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload) });
    const dir = await procs.tempDir();
    pristine = join(dir, 'pristine');
    const hub = await startHub(procs, 'hub', { ...hubConfig(dir), hub: { ...(hubConfig(dir)['hub'] as object), data_dir: pristine, snapshot_interval: '1h' } });
    const agent = await procs.start('agent', 'agent', agentConfig('agent-c', [hub.port], { svc: [target.address] }));
    const base = `http://127.0.0.1:${hub.port}`;
    await pollUntil(() => getJson<unknown[]>(`${base}/services/svc/errors/`), (l) => l.length === 3);
    // A snapshot with the groups (written on SIGTERM), then two journal records after it.
    expect(await hub.proc.stop()).toBe(0);
    const again = await startHub(procs, 'hub2', { ...hubConfig(dir), hub: { ...(hubConfig(dir)['hub'] as object), data_dir: pristine, snapshot_interval: '1h', listen: `127.0.0.1:${hub.port}` } });
    await pollUntil(() => getJson<unknown[]>(`${base}/services/svc/errors/`), (l) => l.length === 3);
    expect((await fetch(`${base}/services/svc/errors/A/`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/services/svc/errors/B/`, { method: 'DELETE' })).status).toBe(204);
    again.proc.kill('SIGKILL');
    await again.proc.exited;
    await agent.stop();
  });

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
  });

  /** A copy of the pristine data dir, damaged by `damage`, and the hub's fate on it. */
  async function startOnCopy(name: string, damage: (dataDir: string) => Promise<string | undefined>) {
    const dataDir = join(await procs.tempDir(), name);
    await cp(pristine, dataDir, { recursive: true });
    const file = await damage(dataDir);
    const before = file === undefined ? undefined : await readFile(file);
    const proc = await procs.start('hub', name, { hub: { listen: '127.0.0.1:0', data_dir: dataDir, agent_tokens: ['t'] }, log: { level: 'info' } });
    return { proc, dataDir, file, before };
  }

  const journalOf = async (dataDir: string) => join(dataDir, ((await readdir(dataDir)).filter((n) => n.startsWith('journal-')).sort().pop()) as string);

  it.each([
    ['a snapshot with a flipped byte', 'snap-flip', async (d: string) => {
      const f = join(d, 'snapshot.bin');
      const b = await readFile(f);
      b[b.length - 10] = (b[b.length - 10] as number) ^ 0x40;
      await writeFile(f, b);
      return f;
    }, /checksum mismatch/],
    ['a truncated snapshot', 'snap-cut', async (d: string) => {
      const f = join(d, 'snapshot.bin');
      const b = await readFile(f);
      await writeFile(f, b.subarray(0, Math.floor(b.length / 2)));
      return f;
    }, /truncated/],
    ['a journal with a flipped byte', 'journal-flip', async (d: string) => {
      const f = await journalOf(d);
      const b = await readFile(f);
      b[12] = (b[12] as number) ^ 0x01;
      await writeFile(f, b);
      return f;
    }, /checksum mismatch/],
  ])('exits 65 on %s, naming the file and leaving it untouched', async (_what, name, damage, reason) => {
    const { proc, file, before } = await startOnCopy(name, damage);
    expect(await proc.exited).toBe(65);
    expect(proc.stderr).toContain(file);
    expect(proc.stderr).toMatch(reason);
    expect(proc.stderr).toContain('left untouched');
    expect((await readFile(file as string)).equals(before as Buffer)).toBe(true);
  });

  it('sets a torn journal tail aside, reports it and starts with the records before it', async () => {
    const { proc, dataDir } = await startOnCopy('journal-torn', async (d) => {
      const f = await journalOf(d);
      const b = await readFile(f);
      await writeFile(f, b.subarray(0, b.length - 3));
      return undefined;
    });
    const port = await proc.port('hub listening');
    const warning = await proc.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('journal ended with an incomplete record'));
    expect(String(warning['file'])).toContain(dataDir);
    expect(warning['bytes']).toBeGreaterThan(0);
    expect((await readdir(dataDir)).some((n) => n.includes('.torn-'))).toBe(true);
    // The first resolve (A) was whole; the torn one (B) is gone, so B shows again.
    const keys = (await getJson<{ aggregation_key: string }[]>(`http://127.0.0.1:${port}/services/svc/errors/`)).map((a) => a.aggregation_key).sort();
    expect(keys).toEqual(['B', 'C']);
  });
});
