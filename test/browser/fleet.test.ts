import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeersResponseSchema, SourcesResponseSchema } from '../../common/api/v1.js';
import { launchChromium } from '../helpers/chromium.mjs';
import { agentConfig, hubConfig, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';

const WAIT = 20_000;

/** A port nobody listens on right now (the pair must know each other's address before either starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Periskop payload with `n` groups (keys g0..), created an hour ago. */
const payload = (n: number) => JSON.stringify({
  target_uuid: 'fleet-target',
  aggregated_errors: Array.from({ length: n }, (_, i) => ({
    aggregation_key: `g${i}`, total_count: i + 1, severity: 'error', created_at: new Date(Date.now() - 3_600_000).toISOString(), latest_errors: [],
  })),
});

/** OTLP/JSON traces: one span with an `exception` event and `plain` spans without one. */
const traces = (plain: number) => JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otel-shop' } }] },
    scopeSpans: [{
      spans: [
        {
          traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'checkout',
          events: [{ name: 'exception', timeUnixNano: `${Date.now()}000000`, attributes: [
            { key: 'exception.type', value: { stringValue: 'PaymentDeclined' } },
            { key: 'exception.message', value: { stringValue: 'card declined' } },
            { key: 'exception.stacktrace', value: { stringValue: 'PaymentDeclined: card declined\n    at pay (pay.js:10:5)' } },
          ] }],
        },
        ...Array.from({ length: plain }, (_, i) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `00000000000000${String(i + 10).padStart(2, '0')}`, name: 'plain' })),
      ],
    }],
  }],
});

/**
 * The Fleet view in Debian's Chromium against real processes: an HA pair of hubs (hub.peers), an agent
 * with a scrape target and `agent.otlp: {}` shipping to hub A, whose per-source limit refuses some of
 * the target's groups. It shows the peers (and a peer going away, by the live stream), each source's
 * groups with the refused ones highlighted, the hub's group bounds, and what the agent's OTLP intake did.
 */
describe('UI: the Fleet view shows peers, groups per source and the OTLP intake', () => {
  const procs = new Processes();
  let target: FixtureTarget;
  let browser: Browser;
  const ports = { a: 0, b: 0 };
  let hubB: CrowsnestProcess | undefined;
  let agentPort = 0;
  const base = () => `http://127.0.0.1:${ports.a}/`;

  beforeAll(async () => {
    if (!existsSync(new URL('../../ui/dist/index.html', import.meta.url))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    target = await FixtureTarget.start({ kind: 'body', body: payload(5) });
    const dir = await procs.tempDir();
    ports.a = await freePort();
    ports.b = await freePort();
    const peerOf = (self: 'a' | 'b') => [{ url: `ws://127.0.0.1:${self === 'a' ? ports.b : ports.a}/federate`, token: TOKEN }];
    await Promise.all([
      startHub(procs, 'hub-a', hubConfig(join(dir, 'a'), { listen: `127.0.0.1:${ports.a}`, hub_id: 'hub-a', peers: peerOf('a'), limits: { groupsPerSource: 3 } })),
      startHub(procs, 'hub-b', hubConfig(join(dir, 'b'), { listen: `127.0.0.1:${ports.b}`, hub_id: 'hub-b', peers: peerOf('b') })).then((h) => (hubB = h.proc)),
    ]);
    const agent = await procs.start('agent', 'agent', agentConfig('agent-otel', [ports.a], { shop: [target.address] }, { otlp: {} }));
    agentPort = await agent.port('agent started');
    const post = (body: string) => fetch(`http://127.0.0.1:${agentPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(traces(2))).status).toBe(200);
    expect((await post('{"resourceSpans": [')).status).toBe(400);
    // The hub has the agent's report and both peers see each other.
    await pollUntil(async () => SourcesResponseSchema.parse(await getJson(`${base()}api/v1/sources`)), (s) => s.items.some((i) => i.otlp?.traces.accepted === 1 && i.groups_refused > 0 && i.otlp.refused['invalid_json'] === 1), 30_000);
    await pollUntil(async () => PeersResponseSchema.parse(await getJson(`${base()}api/v1/peers`)), (p) => p.items[0]?.connected === true && p.items[0].inbound && p.items[0].last_exchange !== null, 30_000);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await procs.cleanup();
    await target?.close();
  });

  async function fleetPage(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(`${base()}#/targets`);
    return page;
  }

  it('shows each source\'s groups, the refused ones highlighted with the limit named, and the hub-wide bounds', async () => {
    const page = await fleetPage();
    const row = page.getByTestId('sources').locator('tr[data-source="agent-otel"]');
    await row.waitFor();
    expect(await row.getByTestId('source-groups').textContent()).toBe('3');
    const refused = row.getByTestId('source-groups-refused');
    // 5 groups of the target, 1 of OTLP, 3 admitted: every later update of a refused group is refused again.
    expect(Number(await refused.textContent())).toBeGreaterThanOrEqual(2);
    expect(await refused.getAttribute('class')).toContain('refused');
    expect(await refused.getAttribute('title')).toContain('hub.limits.groupsPerSource (3)');
    const bounds = page.getByTestId('group-bounds');
    expect(await bounds.textContent()).toContain('3 groups of at most 1,000,000');
    expect(await bounds.textContent()).toContain('at most 3 per source');
    expect(await bounds.getByTestId('groups-forgotten').textContent()).toBe('0 forgotten (0 by retention, 0 by max_groups)');
    expect(await bounds.getByTestId('groups-refused').textContent()).toContain('new groups refused');
    expect(Number((await bounds.getByTestId('groups-refused').textContent())?.split(' ')[0])).toBeGreaterThanOrEqual(2);
    await page.context().close();
  });

  it('shows what the agent\'s OTLP intake did: exceptions counted, spans ignored, requests refused', async () => {
    const page = await fleetPage();
    const row = page.getByTestId('otlp-intake').locator('tr[data-agent="agent-otel"]');
    await row.waitFor();
    expect(await row.getByTestId('otlp-accepted').textContent()).toBe('1');
    expect(await row.getByTestId('otlp-spans-ignored').textContent()).toBe('2');
    expect(await row.getByTestId('otlp-bad-data').textContent()).toBe('1');
    expect(await row.getByTestId('otlp-bad-data').getAttribute('class')).toContain('down-text');
    expect(await row.textContent()).toContain('invalid_json 1');
    // A new exception reaches the view by itself (the agent's report, then the live stream).
    const res = await fetch(`http://127.0.0.1:${agentPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: traces(0).replace('b7ad6b7169203331', 'c7ad6b7169203332') });
    expect(res.status).toBe(200);
    await pollUntil(() => row.getByTestId('otlp-accepted').textContent(), (t) => t === '2', WAIT);
    await page.context().close();
  });

  it('shows the peer, connected since when, with its lag, last exchange and clock offset, and sees it go away live', async () => {
    const page = await fleetPage();
    const row = page.getByTestId('peers').locator(`tr[data-peer="ws://127.0.0.1:${ports.b}/federate"]`);
    await row.waitFor();
    expect(await row.getByTestId('peer-state').textContent()).toBe('connected');
    expect(await row.getByTestId('peer-id').textContent()).toBe('hub-b');
    expect(await row.getByTestId('peer-since').textContent()).toMatch(/since (just now|\d+s ago|\d+m ago)$/);
    expect(await row.getByTestId('peer-lag').textContent()).toMatch(/^\d+ ms$|^\d+\.\d s$/);
    expect(await row.getByTestId('peer-last-exchange').textContent()).toMatch(/^(just now|\d+s ago)$/);
    // Both hubs run on this machine: their clocks agree to well under a second.
    expect(await row.getByTestId('peer-offset').textContent()).toMatch(/^[+−]\d+ ms$/);
    expect(await page.getByTestId('peers-summary').textContent()).toContain('This hub is hub-a');

    await hubB?.stop();
    await pollUntil(() => row.getByTestId('peer-state').textContent(), (t) => t === 'disconnected', WAIT);
    expect(await row.getByTestId('peer-since').textContent()).toMatch(/since (just now|\d+s ago)$/);
    await pollUntil(() => row.getByTestId('peer-last-error').textContent(), (t) => t !== null && t !== '—', WAIT);
    await page.context().close();
  });
});
