import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, hubConfig, hubTotals, startHub, TOKEN, totalsText } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

type Keys = Map<string, [count: number, createdAt: number]>;

/** A Periskop client payload: each key with its count and created_at (ms). */
function payload(keys: Keys) {
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

async function metricText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** A sample's value, or NaN when absent (`labels`: the exact label set as printed, e.g. `{hub="..."}`). */
function sample(text: string, name: string, labels = ''): number {
  const escaped = `${name}${labels}`.replace(/[{}()[\].*+?^$|\\/]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
}

/**
 * Regional hubs feeding a peered global pair (`hub.upstream` as a list): each region streams into
 * both globals over independent links, so both hold exact counts, the pair announces each new group
 * once, and when one global dies the region keeps shipping to the survivor, which stays exact.
 */
describe('a global HA pair fed by regional hubs', () => {
  const procs = new Processes();
  let receiver: WebhookReceiver;
  const targets: { eu?: FixtureTarget; us?: FixtureTarget } = {};
  const keys: { eu: Keys; us: Keys } = { eu: new Map(), us: new Map() };
  const ports = { ga: 0, gb: 0, eu: 0, us: 0 };
  const globals: { ga?: CrowsnestProcess; gb?: CrowsnestProcess } = {};
  let dir: string;

  const url = (port: number) => `ws://127.0.0.1:${port}/federate`;
  const publish = (region: 'eu' | 'us') => targets[region]?.setJson(payload(keys[region]));
  /** What both regions counted, summed per key (a key seen in both regions counts in both). */
  const expected = () => {
    const svc = new Map<string, number>();
    for (const k of [keys.eu, keys.us]) for (const [key, [count]] of k) svc.set(key, (svc.get(key) ?? 0) + count);
    return totalsText(new Map([['svc', svc]]));
  };
  const exactAt = (port: number) => pollUntil(async () => totalsText(await hubTotals(port).catch(() => new Map())), (t) => t === expected(), 30_000);
  const heldBack = async (...which: number[]) => {
    let n = 0;
    for (const port of which) n += sample(await metricText(port), 'crowsnest_hub_notifications_held_back_total');
    return n;
  };
  const accepted = () => receiver.accepted('/hook').map((h) => String(h.headers['x-crowsnest-alert-id']));

  const startGlobal = async (self: 'ga' | 'gb') => {
    const other = self === 'ga' ? ports.gb : ports.ga;
    globals[self] = (await startHub(procs, `global-${self}`, hubConfig(join(dir, self), {
      listen: `127.0.0.1:${ports[self]}`, hub_id: `global-${self}`, peer_grace: '3s',
      peers: [{ url: url(other), token: TOKEN }],
      notifications: [{ type: 'webhook', url: `${receiver.url}/hook`, retry_backoff: '200ms', retry_max: '1s' }],
    }))).proc;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    dir = await procs.tempDir();
    const dayAgo = Date.now() - 86_400_000;
    keys.eu.set('old-eu@1', [5, dayAgo]);
    keys.us.set('old-us@1', [7, dayAgo]);
    targets.eu = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(keys.eu)) });
    targets.us = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload(keys.us)) });
    ports.ga = await freePort();
    ports.gb = await freePort();
    await Promise.all([startGlobal('ga'), startGlobal('gb')]);
    for (const region of ['eu', 'us'] as const) {
      // The list form of hub.upstream: one link per parent of the pair.
      const hub = await startHub(procs, region, hubConfig(join(dir, region), {
        hub_id: region, upstream: [ports.ga, ports.gb].map((p) => ({ url: url(p), token: TOKEN, name: region, labels: { region } })),
      }));
      ports[region] = hub.port;
      await procs.start('agent', `agent-${region}`, agentConfig(`agent-${region}`, [hub.port], { svc: [(targets[region] as FixtureTarget).address] }));
    }
    for (const g of [ports.ga, ports.gb]) await pollUntil(async () => sample(await metricText(g), 'crowsnest_hub_peers_connected'), (n) => n === 1);
    for (const region of [ports.eu, ports.us]) {
      await pollUntil(async () => {
        const text = await metricText(region);
        return sample(text, 'crowsnest_hub_upstream_connected', `{hub="${url(ports.ga)}"}`) + sample(text, 'crowsnest_hub_upstream_connected', `{hub="${url(ports.gb)}"}`);
      }, (n) => n === 2);
    }
    await exactAt(ports.ga);
    await exactAt(ports.gb);
  }, 90_000);

  afterAll(async () => {
    await procs.cleanup();
    await targets.eu?.close();
    await targets.us?.close();
    await receiver.close();
  });

  it('holds exact counts on both globals and announces each new group once in all', async () => {
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      keys.eu.set(`fresh-eu@${i}`, [i + 1, now]);
      keys.us.set(`fresh-us@${i}`, [i + 2, now]);
    }
    // One key counted in both regions: each global sums both regions' counts.
    keys.eu.set('shared@1', [3, now]);
    keys.us.set('shared@1', [4, now]);
    publish('eu');
    publish('us');
    expect(await exactAt(ports.ga)).toBe(expected());
    expect(await exactAt(ports.gb)).toBe(expected());
    const ids = [...[0, 1, 2].flatMap((i) => [`new:svc/fresh-eu%40${i}`, `new:svc/fresh-us%40${i}`]), 'new:svc/shared%401'].sort();
    // Each alert: one global delivered it, the other held it back once the delivery record arrived.
    await pollUntil(() => heldBack(ports.ga, ports.gb), (n) => n === ids.length, 30_000);
    expect(accepted().sort()).toEqual(ids);
  });

  it('keeps the survivor exact and the regions shipping to it when one global dies', async () => {
    const before = accepted().length;
    globals.ga?.kill('SIGKILL');
    await globals.ga?.exited;
    const at = keys.eu.get('fresh-eu@0') as [number, number];
    keys.eu.set('fresh-eu@0', [at[0] + 10, at[1]]);
    keys.eu.set('after-eu@1', [2, Date.now()]);
    keys.us.set('after-us@1', [5, Date.now()]);
    publish('eu');
    publish('us');
    expect(await exactAt(ports.gb)).toBe(expected());
    // The survivor owns every alert now: each new group once, nothing announced again.
    await pollUntil(() => Promise.resolve(accepted().length), (n) => n === before + 2, 30_000);
    expect(accepted().slice(before).sort()).toEqual(['new:svc/after-eu%401', 'new:svc/after-us%401']);
    expect(new Set(accepted()).size).toBe(accepted().length);
    for (const region of [ports.eu, ports.us]) {
      const text = await metricText(region);
      expect(sample(text, 'crowsnest_hub_upstream_connected', `{hub="${url(ports.gb)}"}`)).toBe(1);
      expect(sample(text, 'crowsnest_hub_upstream_connected', `{hub="${url(ports.ga)}"}`)).toBe(0);
      // The dead parent's link keeps its own pending set; the survivor's acknowledged everything.
      await pollUntil(async () => sample(await metricText(region), 'crowsnest_hub_upstream_pending_groups', `{hub="${url(ports.gb)}"}`), (n) => n === 0);
    }
  });

  it('catches the restarted global up over its own link, exact again', async () => {
    await startGlobal('ga');
    expect(await exactAt(ports.ga)).toBe(expected());
    for (const region of [ports.eu, ports.us]) {
      await pollUntil(async () => sample(await metricText(region), 'crowsnest_hub_upstream_connected', `{hub="${url(ports.ga)}"}`), (n) => n === 1);
    }
  });
});
