import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsResponseSchema } from '../../common/api/v1.js';
import { parseHash } from '../../ui/src/routing/routes.js';
import { AlertmanagerProcess, freePort, type GettableAlert } from '../helpers/alertmanager.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN = 'admin-token';
const KEYS = ['TypeError@a/1', 'RangeError@b', 'Timeout@c'];

/** A Periskop client payload: each key once, first seen now (so the hub announces it). */
function payload(keys: string[], at: number) {
  return {
    target_uuid: 'target-1',
    aggregated_errors: keys.map((key) => ({
      aggregation_key: key, total_count: 1, severity: 'error', created_at: new Date(at).toISOString(),
      latest_errors: [{ error: { class: key.split('@')[0], message: `boom ${key}`, stacktrace: ['at f (a.js:1)', 'at g (b.js:2)'], cause: null }, uuid: `${key}-1`, timestamp: new Date(at).toISOString(), severity: 'error', http_context: null }],
    })),
  };
}

/** What Alertmanager's webhook receiver got: [status, aggregation_key] per alert of each notification. */
const notified = (receiver: WebhookReceiver) => receiver.accepted('/am').flatMap((h) => (h.body['alerts'] as { status: string; labels: Record<string, string> }[]).map((a) => [a.status, a.labels['aggregation_key']] as const));
const keysOf = (alerts: GettableAlert[]) => alerts.map((a) => a.labels['aggregation_key']).sort();

/**
 * The Alertmanager channel against a real Alertmanager (Debian's prometheus-alertmanager) routing to a
 * webhook receiver: groups appear once each with their labels and UI link, a resolve in Crowsnest
 * resolves the alert at Alertmanager and its receiver, a restarted Alertmanager gets back every
 * alert that is still active, and so does one that expired them while the hub was down.
 */
describe('the alertmanager channel with a real Alertmanager', () => {
  const procs = new Processes();
  let receiver: WebhookReceiver;
  let target: FixtureTarget;
  let am: AlertmanagerProcess;
  let hub: CrowsnestProcess;
  let hubUrl: string;
  let hubSettings: Record<string, unknown>;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const dir = await procs.tempDir();
    am = new AlertmanagerProcess(dir, await freePort(), `${receiver.url}/am`);
    await am.start();
    const hubPort = await freePort();
    hubUrl = `http://127.0.0.1:${hubPort}`;
    hubSettings = hubConfig(dir, {
      listen: `127.0.0.1:${hubPort}`, hub_id: 'hub-am', admin_token: ADMIN, public_url: `${hubUrl}/`,
      notifications: [{ type: 'alertmanager', url: am.url, name: 'am', resend_interval: '500ms', retry_backoff: '100ms', retry_max: '500ms', labels: { team: 'payments' } }],
    });
    ({ proc: hub } = await startHub(procs, 'hub', hubSettings));
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(KEYS, Date.now())) });
    await procs.start('agent', 'agent', agentConfig('agent-1', [hubPort], { svc: [target.address] }));
  });

  afterAll(async () => {
    await procs.cleanup();
    await am?.stop();
    await target?.close();
    await receiver?.close();
  });

  it('shows each open group of the service once, with its labels and a link that opens it in the UI', async () => {
    const alerts = await pollUntil(() => am.activeAlerts(), (a) => a.length === KEYS.length);
    expect(keysOf(alerts)).toEqual([...KEYS].sort());
    for (const a of alerts) {
      expect(a.labels).toEqual({ alertname: 'CrowsnestError', service: 'svc', aggregation_key: a.labels['aggregation_key'], severity: 'error', event: 'new', hub: 'hub-am', team: 'payments' });
      expect(a.annotations).toMatchObject({ class: a.labels['aggregation_key']?.split('@')[0], total: '1', stack: 'at f (a.js:1)\nat g (b.js:2)' });
      const link = new URL(a.generatorURL ?? '');
      expect(link.origin).toBe(hubUrl);
      const route = parseHash(link.hash);
      expect(route).toEqual({ view: 'error', service: 'svc', key: a.labels['aggregation_key'] });
      expect((await fetch(link)).headers.get('content-type')).toMatch(/text\/html/);
      const group = await getJson<{ key: string }>(`${hubUrl}/api/v1/services/svc/errors/${encodeURIComponent(a.labels['aggregation_key'] ?? '')}`);
      expect(group.key).toBe(a.labels['aggregation_key']);
    }
  });

  it('notifies Alertmanager\'s receiver of each', async () => {
    const got = await pollUntil(async () => notified(receiver), (n) => new Set(n.filter(([s]) => s === 'firing').map(([, k]) => k)).size === KEYS.length);
    expect(got.filter(([s]) => s === 'resolved')).toEqual([]);
    const history = AlertsResponseSchema.parse(await getJson(`${hubUrl}/api/v1/alerts`)).items;
    expect(history.map((a) => a.deliveries.map((d) => [d.channel, d.status]))).toEqual(KEYS.map(() => [['am', 'delivered']]));
  });

  it('resolves the alert of a group resolved in Crowsnest, and only that one', async () => {
    const key = KEYS[0] as string;
    const res = await fetch(`${hubUrl}/api/v1/services/svc/errors/${encodeURIComponent(key)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    await pollUntil(async () => notified(receiver), (n) => n.some(([s, k]) => s === 'resolved' && k === key));
    expect(notified(receiver).filter(([s]) => s === 'resolved').map(([, k]) => k)).toEqual([key]);
    const active = await pollUntil(() => am.activeAlerts(), (a) => a.length === KEYS.length - 1);
    expect(keysOf(active)).toEqual(KEYS.slice(1).sort());
    const history = AlertsResponseSchema.parse(await getJson(`${hubUrl}/api/v1/alerts`)).items;
    expect(history.find((a) => a.key === key)?.deliveries[0]?.ended_at).not.toBeNull();
  });

  it('gives a restarted Alertmanager back every alert still active, and not the resolved one', async () => {
    const failedPosts = async () => Number(/crowsnest_hub_alertmanager_posts_total\{channel="am",result="error"\} (\d+)/.exec(await (await fetch(`${hubUrl}/metrics`)).text())?.[1] ?? 0);
    await am.stop();
    // Down until the hub has seen it down: what comes back after the restart is what the hub re-sends.
    await pollUntil(failedPosts, (n) => n > 0);
    await am.start();
    const active = await pollUntil(() => am.activeAlerts(), (a) => a.length === KEYS.length - 1);
    expect(keysOf(active)).toEqual(KEYS.slice(1).sort());
    const metrics = await (await fetch(`${hubUrl}/metrics`)).text();
    expect(metrics).toMatch(/crowsnest_hub_alertmanager_active_alerts\{channel="am"\} 2/);
    expect(hub.child.exitCode).toBeNull();
  });

  it('lets the alerts expire while the hub is down, and a restarted hub takes back those still open', async () => {
    expect(await hub.stop()).toBe(0);
    // endsAt is 4 re-send intervals ahead: without the hub, Alertmanager resolves them itself.
    await pollUntil(() => am.activeAlerts(), (a) => a.length === 0);
    ({ proc: hub } = await startHub(procs, 'hub-2', hubSettings));
    const active = await pollUntil(() => am.activeAlerts(), (a) => a.length === KEYS.length - 1);
    expect(keysOf(active)).toEqual(KEYS.slice(1).sort());
    expect(active.every((a) => a.labels['hub'] === 'hub-am' && a.generatorURL?.startsWith(`${hubUrl}/#/svc/errors/`))).toBe(true);
  });
});
