import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsResponseSchema } from '../../common/api/v1.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const DAY = 86_400_000;

/** A Periskop client payload: each key with its count and created_at (ms). */
function payload(keys: [key: string, count: number, createdAt: number][]) {
  return {
    target_uuid: 'target-1',
    aggregated_errors: keys.map(([key, count, createdAt]) => ({
      aggregation_key: key, total_count: count, severity: 'error', created_at: new Date(createdAt).toISOString(),
      latest_errors: [{ error: { class: 'Boom', message: key, stacktrace: ['at a'], cause: null }, uuid: `${key}-${count}`, timestamp: new Date(createdAt).toISOString(), severity: 'error', http_context: null }],
    })),
  };
}

/**
 * Notifications around hub restarts, with real processes: a hub with an empty data_dir learns what its
 * agent already had without announcing it; a graceful restart neither re-announces known groups nor
 * loses a notification that was still being retried.
 */
describe('notifications across hub restarts', () => {
  const procs = new Processes();
  let receiver: WebhookReceiver;
  let target: FixtureTarget;
  let hub: CrowsnestProcess;
  let hubPort: number;
  let dir: string;
  const keys: [string, number, number][] = Array.from({ length: 25 }, (_, i) => [`old@${i}`, 10 + i, Date.now() - DAY - i * 1000]);
  const hubSettings = () => ({
    notifications: [{ type: 'webhook', url: `${receiver.url}/hook`, retry_backoff: '200ms', retry_max: '1s', max_attempts: 20 }],
  });
  const alerts = async () => AlertsResponseSchema.parse(await getJson(`http://127.0.0.1:${hubPort}/api/v1/alerts`)).items;
  const groupCount = async () => (await getJson<unknown[]>(`http://127.0.0.1:${hubPort}/services/svc/errors/`)).length;
  const accepted = () => receiver.accepted('/hook').map((h) => h.body['key'] as string);

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(keys)) });
    dir = await procs.tempDir();
    ({ proc: hub, port: hubPort } = await startHub(procs, 'hub', hubConfig(dir, hubSettings())));
    await procs.start('agent', 'agent', agentConfig('agent-n', [hubPort], { svc: [target.address] }));
  });

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
    await receiver.close();
  });

  it('does not announce the groups a hub with an empty data_dir learns from its first sync', async () => {
    await pollUntil(groupCount, (n) => n === 25);
    expect(await alerts()).toEqual([]);
    expect(receiver.received).toEqual([]);
  });

  it('announces a group first seen after the hub started, once', async () => {
    keys.push(['fresh@1', 1, Date.now()]);
    target.setJson(payload(keys));
    await pollUntil(async () => accepted(), (a) => a.length === 1);
    expect(accepted()).toEqual(['fresh@1']);
  });

  it('re-announces nothing after a graceful restart, and announces what is new afterwards', async () => {
    expect(await hub.stop()).toBe(0);
    ({ proc: hub } = await startHub(procs, 'hub-2', hubConfig(dir, { ...hubSettings(), listen: `127.0.0.1:${hubPort}` })));
    keys.push(['fresh@2', 1, Date.now()]);
    target.setJson(payload(keys));
    await pollUntil(async () => accepted(), (a) => a.length === 2);
    expect(await groupCount()).toBe(27);
    expect(accepted()).toEqual(['fresh@1', 'fresh@2']);
    expect((await alerts()).map((a) => [a.key, a.deliveries[0]?.status])).toEqual([['fresh@2', 'delivered'], ['fresh@1', 'delivered']]);
  });

  it('keeps a notification the receiver has not taken through a restart and delivers it once', async () => {
    receiver.answer = () => 503;
    keys.push(['fresh@3', 1, Date.now()]);
    target.setJson(payload(keys));
    await pollUntil(async () => receiver.received.filter((h) => h.body['key'] === 'fresh@3'), (r) => r.length >= 2);
    expect(await hub.stop()).toBe(0);
    receiver.answer = () => 200;
    ({ proc: hub } = await startHub(procs, 'hub-3', hubConfig(dir, { ...hubSettings(), listen: `127.0.0.1:${hubPort}` })));
    await pollUntil(async () => accepted(), (a) => a.length === 3);
    expect(accepted()).toEqual(['fresh@1', 'fresh@2', 'fresh@3']);
    const fresh3 = (await alerts()).find((a) => a.key === 'fresh@3');
    expect(fresh3?.deliveries[0]).toMatchObject({ status: 'delivered', last_error: null });
    expect(fresh3?.deliveries[0]?.attempts).toBeGreaterThanOrEqual(3);
  });
});
