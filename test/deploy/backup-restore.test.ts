import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../demo/fleet.js';
import { agentConfig, hubConfig, hubTotals, startHub, totalsText } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';
import { mustRun } from '../helpers/run-cli.js';

/**
 * docs/operations.md, "Backup and restore": a copy of data_dir taken with the documented command
 * while the hub runs (journals first, snapshot last) restores the hub's name, its counts and a resolve
 * made after the last snapshot. The copy command is read from the doc, so the two cannot drift apart.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'admin-token-for-backup-test';

describe('backup and restore of data_dir as docs/operations.md describes', () => {
  const procs = new Processes();
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await Fleet.start({ services: ['checkout'], targetsPerService: 3, seed: 7 });
    fleet.tick();
    fleet.tick();
  });

  afterAll(async () => {
    await procs.cleanup();
    await fleet.close();
  });

  it('restores, from a copy taken while the hub runs, its name, its counts and a resolve made after the last snapshot', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const copyLine = /^for f in hub_id epoch journal-\*\.log snapshot\.bin; do .*done$/m.exec(doc)?.[0];
    expect(copyLine, 'the copy command in docs/operations.md').toBeDefined();

    const dir = await procs.tempDir();
    const hub = await startHub(procs, 'hub', hubConfig(dir, { snapshot_interval: '1s', admin_token: ADMIN }));
    const hubId = (await hub.proc.waitForLog((l) => l.msg === 'hub listening'))['hub_id'];
    await procs.start('agent', 'agent', agentConfig('agent-b', [hub.port], { checkout: fleet.addresses('checkout') }));
    const base = `http://127.0.0.1:${hub.port}`;
    const expected = fleet.expectedTotals().get('checkout') as Map<string, number>;
    const totals = await pollUntil(() => hubTotals(hub.port), (t) => t.get('checkout')?.size === expected.size && [...expected].every(([k, n]) => t.get('checkout')?.get(k) === n));

    // A snapshot written after the counts settled, then a resolve that only the journal holds for now.
    const settled = Date.now() / 1000;
    await pollUntil(
      () => fetch(`${base}/metrics`).then((r) => r.text()),
      (t) => Number(/^crowsnest_hub_snapshot_last_success_timestamp_seconds ([\d.e+]+)$/m.exec(t)?.[1] ?? 0) > settled,
    );
    const victim = [...expected.keys()].sort()[0] as string;
    const resolved = await fetch(`${base}/services/checkout/errors/${encodeURIComponent(victim)}/`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(resolved.status).toBe(204);

    const backup = join(dir, 'backup');
    await mkdir(backup);
    await mustRun('sh', ['-ec', `dest="$1"; ${copyLine}`, 'sh', backup], { cwd: join(dir, 'hub') });
    const copied = await readdir(backup);
    expect(copied).toContain('snapshot.bin');
    expect(copied.some((f) => f.startsWith('journal-'))).toBe(true);
    hub.proc.kill('SIGKILL');

    // Restore: a new hub whose data_dir is the copy, with no source connected.
    const restored = await startHub(procs, 'restored', hubConfig(dir, { data_dir: backup, snapshot_interval: '1h', admin_token: ADMIN }));
    expect((await restored.proc.waitForLog((l) => l.msg === 'hub listening'))['hub_id']).toBe(hubId);
    const after = await hubTotals(restored.port);
    const visible = new Map(totals.get('checkout'));
    visible.delete(victim);
    expect(totalsText(after)).toBe(totalsText(new Map([['checkout', visible]])));
    const list = await getJson<{ items: { key: string }[] }>(`http://127.0.0.1:${restored.port}/api/v1/services/checkout/errors?status=resolved`);
    expect(list.items.map((i) => i.key)).toEqual([victim]);
  });
});
