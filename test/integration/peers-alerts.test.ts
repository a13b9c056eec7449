import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsResponseSchema, encodeSegment } from '../../common/api/v1.js';
import { agentConfig, hubConfig, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/** A Periskop client payload: each key with its count and created_at (ms). */
function payload(keys: Map<string, [count: number, createdAt: number]>) {
  return {
    target_uuid: 'target-1',
    aggregated_errors: [...keys].map(([key, [count, createdAt]]) => ({
      aggregation_key: key, total_count: count, severity: 'error', created_at: new Date(createdAt).toISOString(),
      latest_errors: [{ error: { class: 'Boom', message: key, stacktrace: ['at a'], cause: null }, uuid: `${key}-${count}`, timestamp: new Date(createdAt).toISOString(), severity: 'error', http_context: null }],
    })),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The replicated alert log of an HA pair: the same webhook on both hubs, one agent shipping to both;
 * each new group and each regression reaches the webhook once in all (the owner sends, the other
 * hub holds it for peer_grace and drops it when the owner's delivery record arrives). A hub that
 * lost its data_dir takes the alert log from its peer and announces nothing again.
 */
describe('peered hubs: one notification per pair', () => {
  const procs = new Processes();
  let receiver: WebhookReceiver;
  let target: FixtureTarget;
  let dir: string;
  const ports = { a: 0, b: 0 };
  const hubs: { a?: CrowsnestProcess; b?: CrowsnestProcess } = {};
  const keys = new Map<string, [number, number]>();

  const start = async (self: 'a' | 'b') => {
    const other = self === 'a' ? ports.b : ports.a;
    hubs[self] = (await startHub(procs, `hub-${self}-${Date.now()}`, hubConfig(join(dir, self), {
      listen: `127.0.0.1:${ports[self]}`, hub_id: `hub-${self}`, peer_grace: '3s',
      peers: [{ url: `ws://127.0.0.1:${other}/federate`, token: TOKEN }],
      notifications: [{ type: 'webhook', url: `${receiver.url}/hook`, retry_backoff: '200ms', retry_max: '1s' }],
    }))).proc;
  };
  const base = (self: 'a' | 'b') => `http://127.0.0.1:${ports[self]}`;
  const metric = async (self: 'a' | 'b', name: string) => {
    const text = await (await fetch(`${base(self)}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
  };
  const heldBack = async () => (await metric('a', 'crowsnest_hub_notifications_held_back_total')) + (await metric('b', 'crowsnest_hub_notifications_held_back_total'));
  const alerts = async (self: 'a' | 'b') => AlertsResponseSchema.parse(await getJson(`${base(self)}/api/v1/alerts`)).items;
  const accepted = () => receiver.accepted('/hook').map((h) => String(h.headers['x-crowsnest-alert-id']));
  const publish = () => target.setJson(payload(keys));
  const groupCount = async (self: 'a' | 'b') => (await getJson<{ total: number }>(`${base(self)}/api/v1/services/svc/errors?status=all`).catch(() => ({ total: -1 }))).total;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    keys.set('old@1', [5, Date.now() - 86_400_000]);
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(keys)) });
    dir = await procs.tempDir();
    ports.a = await freePort();
    ports.b = await freePort();
    await Promise.all([start('a'), start('b')]);
    await procs.start('agent', 'agent', agentConfig('agent-n', [ports.a, ports.b], { svc: [target.address] }));
    for (const self of ['a', 'b'] as const) {
      await pollUntil(() => metric(self, 'crowsnest_hub_peers_connected'), (n) => n === 1);
      await pollUntil(() => groupCount(self), (n) => n === 1);
    }
  });

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
    await receiver.close();
  });

  it('delivers each new group once in all, and both hubs show the same alert history', async () => {
    for (let i = 0; i < 6; i++) keys.set(`fresh@${i}`, [1, Date.now()]);
    publish();
    // Each alert: one hub delivered it, the other held it back once the delivery record arrived.
    await pollUntil(heldBack, (n) => n === 6, 30_000);
    expect(accepted().sort()).toEqual([...Array(6).keys()].map((i) => `new:svc/fresh%40${i}`).sort());
    const [a, b] = [await alerts('a'), await alerts('b')];
    expect(a.map((x) => x.id).sort()).toEqual(b.map((x) => x.id).sort());
    expect([...a, ...b].every((x) => x.deliveries.every((d) => d.status === 'delivered'))).toBe(true);
  });

  it('delivers a regression once in all', async () => {
    const res = await fetch(`${base('a')}/api/v1/services/svc/errors/${encodeSegment('fresh@0')}/resolve`, { method: 'POST' });
    expect(res.status).toBe(200);
    await pollUntil(async () => (await getJson<{ status: string }>(`${base('b')}/api/v1/services/svc/errors/${encodeSegment('fresh@0')}`)).status, (s) => s === 'resolved');
    keys.set('fresh@0', [2, (keys.get('fresh@0') as [number, number])[1]]);
    publish();
    await pollUntil(heldBack, (n) => n === 7, 30_000);
    const regressions = accepted().filter((id) => id.startsWith('regressed:'));
    expect(regressions).toHaveLength(1);
    expect(accepted()).toHaveLength(7);
  });

  it('a hub that lost its data_dir takes the alert log from its peer and announces nothing again', async () => {
    hubs.b?.kill('SIGKILL');
    await hubs.b?.exited;
    await rm(join(dir, 'b'), { recursive: true, force: true });
    await start('b');
    const idsOfA = (await alerts('a')).map((x) => x.id).sort();
    await pollUntil(async () => (await alerts('b').catch(() => [])).map((x) => x.id).sort(), (ids) => JSON.stringify(ids) === JSON.stringify(idsOfA), 30_000);
    await pollUntil(() => groupCount('b'), (n) => n === 7);
    expect((await alerts('b')).every((x) => x.deliveries.every((d) => d.status === 'delivered'))).toBe(true);
    expect(accepted()).toHaveLength(7);
    // And what is new from now on is still announced once in all.
    await pollUntil(() => metric('b', 'crowsnest_hub_peers_connected'), (n) => n === 1);
    const before = await heldBack();
    keys.set('fresh@new', [1, Date.now()]);
    publish();
    await pollUntil(heldBack, (n) => n === before + 1, 30_000);
    expect(accepted().filter((id) => id === 'new:svc/fresh%40new')).toHaveLength(1);
    expect(accepted()).toHaveLength(8);
  });
});
