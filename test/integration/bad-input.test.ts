import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agentConfig, hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const good = (total: number) => ({
  target_uuid: 'good-1',
  aggregated_errors: [{ aggregation_key: 'k@1', total_count: total, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [] }],
});

type TargetView = { url: string; up: boolean; last_error: string };

/**
 * Bad targets are marked down with a reason while the others keep being counted; a federation
 * client with a wrong token gets 401 and nothing is merged; an invalid config exits non-zero naming
 * the YAML path.
 */
describe('bad input', () => {
  const procs = new Processes();
  const targets: Record<string, FixtureTarget> = {};
  let hubPort: number;
  let agentPort: number;

  beforeAll(async () => {
    targets['good'] = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(good(5)) });
    targets['gzip'] = await FixtureTarget.start({ kind: 'body', body: gzipSync(JSON.stringify({ ...good(7), target_uuid: 'gz' })), headers: { 'content-encoding': 'gzip' } });
    targets['garbage'] = await FixtureTarget.start({ kind: 'body', body: '<html>502 Bad Gateway</html>' });
    targets['wrongType'] = await FixtureTarget.start({ kind: 'body', body: '[1,2,3]' });
    targets['huge'] = await FixtureTarget.start({ kind: 'body', body: 'x'.repeat(2 * 1024 * 1024) });
    targets['silent'] = await FixtureTarget.start({ kind: 'custom', handle: () => undefined });
    targets['status'] = await FixtureTarget.start({ kind: 'body', body: 'nope', status: 500 });
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const addresses = Object.values(targets).map((t) => t.address);
    const agent = await procs.start('agent', 'agent', agentConfig('agent-bad', [hubPort], { svc: [...addresses, '127.0.0.1:1'] }, {
      limits: { bodyBytes: 1024 * 1024 },
    }));
    agentPort = await agent.port('agent started');
  });

  afterAll(async () => {
    await procs.cleanup();
    for (const t of Object.values(targets)) await t.close();
  });

  it('marks each bad target down with its reason', async () => {
    const views = await pollUntil(
      () => getJson<TargetView[]>(`http://127.0.0.1:${agentPort}/targets`),
      (v) => v.length === 8 && v.filter((t) => !t.up && t.last_error !== '').length === 6 && v.filter((t) => t.up).length === 2,
      20_000,
    );
    const errorOf = (t: FixtureTarget | string) => views.find((v) => v.url.includes(typeof t === 'string' ? t : t.address))?.last_error ?? '';
    expect(errorOf(targets['garbage'] as FixtureTarget)).toMatch(/^not JSON/);
    expect(errorOf(targets['wrongType'] as FixtureTarget)).toMatch(/aggregated_errors/);
    expect(errorOf(targets['huge'] as FixtureTarget)).toMatch(/exceeds the limit/);
    expect(errorOf(targets['silent'] as FixtureTarget)).toMatch(/no complete answer within/);
    expect(errorOf(targets['status'] as FixtureTarget)).toBe('HTTP 500');
    expect(errorOf('127.0.0.1:1/')).toMatch(/ECONNREFUSED/);
  });

  it('keeps counting the good targets exactly (plain and gzip)', async () => {
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => t.get('svc')?.get('k@1') === 12);
    expect(totals.get('svc')?.get('k@1')).toBe(12);
    (targets['good'] as FixtureTarget).setJson(good(9));
    const later = await pollUntil(() => hubTotals(hubPort), (t) => t.get('svc')?.get('k@1') === 16);
    expect(later.get('svc')?.get('k@1')).toBe(16);
  });

  it('answers a federation client with a wrong token 401 before the upgrade', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${hubPort}/federate`, { headers: { authorization: 'Bearer wrong' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade accepted with a wrong token')));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('merges nothing from an agent whose token is wrong', async () => {
    const other = await FixtureTarget.start({ kind: 'body', body: JSON.stringify({ aggregated_errors: [{ aggregation_key: 'intruder', total_count: 1 }] }) });
    try {
      const cfg = agentConfig('agent-intruder', [hubPort], { intruder: [other.address] });
      const hubs = (cfg['agent'] as { hubs: { token: string }[] }).hubs;
      for (const h of hubs) h.token = `not-${TOKEN}`;
      const intruder = await procs.start('agent', 'intruder', cfg);
      await intruder.waitForLog((l) => l.msg === 'hub refused the connection (check the token in hubs[].token / upstream.token)');
      const services = await getJson<string[]>(`http://127.0.0.1:${hubPort}/services/`);
      expect(services).not.toContain('intruder');
    } finally {
      await other.close();
    }
  });

  it('exits 78 naming the YAML path of an invalid config', async () => {
    const file = await procs.writeConfig('broken', { agent: { name: 'x', services: [{ name: 's', scraper: { refresh_interval: 'often' } }] } });
    const proc = procs.spawn(['agent', '--config', file]);
    expect(await proc.exited).toBe(78);
    expect(proc.stderr).toContain('agent.services[0].scraper.refresh_interval');
    expect(proc.stderr).toContain('expected a duration');
  });
});
