import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSegment, ErrorListResponseSchema, type ErrorSummary } from '../../common/api/v1.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import type { CrowsnestProcess } from '../helpers/processes.js';
import { Processes } from '../helpers/processes.js';

const ADMIN = 'resolve-admin';
const auth = { authorization: `Bearer ${ADMIN}` };

const payload = (counts: Record<string, number>) => ({
  target_uuid: 'app-1',
  aggregated_errors: Object.entries(counts).map(([key, total_count]) => ({
    aggregation_key: key, total_count, severity: 'error', created_at: '2024-01-01T00:00:00Z',
    // Samples from long before any resolve: re-synced after a restart, they must not count as new.
    latest_errors: [{ error: { class: key, message: 'old', stacktrace: ['at x'], cause: null }, uuid: `${key}-${total_count}`, timestamp: '2024-01-01T00:00:00Z', severity: 'error', http_context: null }],
  })),
});

/**
 * DESIGN section 3, rule 6, end to end: a resolved error stays hidden while its count is unchanged,
 * also after the hub is SIGKILLed and its agent re-syncs the same old counts; it comes back as
 * regressed when it grows; both resolves (API v1 and Periskop's DELETE) and the regression survive
 * SIGKILL, through the journal alone and through a snapshot.
 */
describe('resolve and regress', () => {
  const procs = new Processes();
  let target: FixtureTarget;
  let hub: { proc: CrowsnestProcess; port: number };
  let dir: string;
  const counts = { PaymentTimeout: 5, CartEmpty: 3, Other: 1 };

  beforeAll(async () => {
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(counts)) });
    dir = await procs.tempDir();
    hub = await startHub(procs, 'hub', hubConfig(dir, { admin_token: ADMIN, snapshot_interval: '1h' }));
    await procs.start('agent', 'agent', agentConfig('agent-r', [hub.port], { checkout: [target.address] }));
  });

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
  });

  const base = () => `http://127.0.0.1:${hub.port}`;
  const list = async (status: string) =>
    ErrorListResponseSchema.parse(await getJson(`${base()}/api/v1/services/checkout/errors?status=${status}&sort=count&limit=100`)).items;
  const byKey = (items: ErrorSummary[]) => Object.fromEntries(items.map((i) => [i.key, { status: i.status, total: i.total_count }]));
  const periskopKeys = async () => (await getJson<{ aggregation_key: string; total_count: number }[]>(`${base()}/services/checkout/errors/`)).map((a) => `${a.aggregation_key}=${a.total_count}`).sort();

  async function killAndRestart(snapshotInterval: string): Promise<void> {
    hub.proc.kill('SIGKILL');
    await hub.proc.exited;
    hub = await startHub(procs, `hub-${Date.now()}`, hubConfig(dir, { admin_token: ADMIN, snapshot_interval: snapshotInterval, listen: `127.0.0.1:${hub.port}` }));
  }

  /** Waits until the agent re-synced: every group of the service shows its current total again. */
  const resynced = (want: Record<string, number>) =>
    pollUntil(() => list('all'), (items) => Object.entries(want).every(([k, n]) => items.some((i) => i.key === k && i.total_count === n)), 30_000);

  it('hides a group resolved through v1 or Periskop while its count is unchanged', async () => {
    await resynced(counts);
    const res = await fetch(`${base()}/api/v1/services/checkout/errors/${encodeSegment('PaymentTimeout')}/resolve`, { method: 'POST', headers: auth });
    expect(res.status).toBe(200);
    expect((await fetch(`${base()}/services/checkout/errors/CartEmpty/`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect(byKey(await list('unresolved'))).toEqual({ Other: { status: 'unresolved', total: 1 } });
    expect(byKey(await list('resolved'))).toEqual({ PaymentTimeout: { status: 'resolved', total: 5 }, CartEmpty: { status: 'resolved', total: 3 } });
    expect(await periskopKeys()).toEqual(['Other=1']);
  });

  it('keeps them hidden after SIGKILL, once the agent has re-synced the same counts', async () => {
    await killAndRestart('1h');
    await resynced(counts);
    expect(byKey(await list('resolved'))).toEqual({ PaymentTimeout: { status: 'resolved', total: 5 }, CartEmpty: { status: 'resolved', total: 3 } });
    expect(byKey(await list('unresolved'))).toEqual({ Other: { status: 'unresolved', total: 1 } });
    expect(await periskopKeys()).toEqual(['Other=1']);
  });

  it('brings a group back as regressed when its count grows', async () => {
    counts.PaymentTimeout = 7;
    target.setJson(payload(counts));
    const items = await pollUntil(() => list('unresolved'), (l) => l.some((i) => i.key === 'PaymentTimeout'), 30_000);
    expect(byKey(items)).toEqual({ PaymentTimeout: { status: 'regressed', total: 7 }, Other: { status: 'unresolved', total: 1 } });
    expect(items.find((i) => i.key === 'PaymentTimeout')?.regressed_at).not.toBeNull();
    expect(byKey(await list('regressed'))).toEqual({ PaymentTimeout: { status: 'regressed', total: 7 } });
    expect(await periskopKeys()).toEqual(['Other=1', 'PaymentTimeout=7']);
  });

  it('keeps the regression and the other resolve after SIGKILL (journal only)', async () => {
    await killAndRestart('300ms');
    await resynced(counts);
    expect(byKey(await list('all'))).toEqual({
      PaymentTimeout: { status: 'regressed', total: 7 }, CartEmpty: { status: 'resolved', total: 3 }, Other: { status: 'unresolved', total: 1 },
    });
  });

  it('keeps them after SIGKILL when the state comes from a snapshot', async () => {
    const snapshot = join(dir, 'hub', 'snapshot.bin');
    const since = Date.now();
    await pollUntil(() => stat(snapshot).then((s) => s.mtimeMs), (m) => m > since, 10_000);
    await killAndRestart('1h');
    await resynced(counts);
    expect(byKey(await list('all'))).toEqual({
      PaymentTimeout: { status: 'regressed', total: 7 }, CartEmpty: { status: 'resolved', total: 3 }, Other: { status: 'unresolved', total: 1 },
    });
  });

  it('regresses a group resolved through the Periskop DELETE the same way', async () => {
    counts.CartEmpty = 4;
    target.setJson(payload(counts));
    const items = await pollUntil(() => list('regressed'), (l) => l.some((i) => i.key === 'CartEmpty'), 30_000);
    expect(byKey(items)).toEqual({ PaymentTimeout: { status: 'regressed', total: 7 }, CartEmpty: { status: 'regressed', total: 4 } });
  });

  it('unresolves, durably', async () => {
    const res = await fetch(`${base()}/api/v1/services/checkout/errors/PaymentTimeout/unresolve`, { method: 'POST', headers: auth });
    expect(await res.json()).toMatchObject({ key: 'PaymentTimeout', status: 'unresolved' });
    await killAndRestart('1h');
    await resynced(counts);
    expect(byKey(await list('all'))).toMatchObject({ PaymentTimeout: { status: 'unresolved', total: 7 } });
  });
});
