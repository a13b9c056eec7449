import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricSum } from '../../bench/harness/prom-text.js';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { pollUntil } from '../helpers/poll.js';
import { type CrowsnestProcess, Processes } from '../helpers/processes.js';

/**
 * Real agent and hub processes: an instance the agent forgot (it left discovery, or a pusher was
 * silent past origin_ttl) and that comes back with the same identity is never counted twice.
 */
const ORIGIN_TTL = '2s';
const KEYS = ['a@1', 'b@2', 'c@3', 'd@4', 'e@5'];

const payload = (uuid: string, totals: Record<string, number>) => ({
  target_uuid: uuid,
  aggregated_errors: Object.entries(totals).map(([key, total]) => ({
    aggregation_key: key, total_count: total, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [],
  })),
});

describe('an instance that comes back after the agent forgot it', () => {
  const procs = new Processes();
  let dir: string;
  let hubPort: number;
  let agent: CrowsnestProcess;
  let agentUrl: string;
  let target: FixtureTarget;

  const writeTargets = async (targets: string[]) => {
    await writeFile(join(dir, 'web.json.tmp'), JSON.stringify([{ targets }]));
    await rename(join(dir, 'web.json.tmp'), join(dir, 'web.json'));
  };
  const agentConfig = (overrides: Record<string, unknown> = {}) => ({
    agent: {
      name: 'returning',
      listen: '127.0.0.1:0',
      hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: TOKEN }],
      flush_interval: '100ms',
      state_dir: join(dir, 'agent'),
      origin_ttl: ORIGIN_TTL,
      services: [{ name: 'web', file_sd_configs: [{ files: [join(dir, 'web.json')] }], scraper: { endpoint: '/errors', refresh_interval: '300ms', timeout: '2s' } }],
      ...overrides,
    },
    log: { level: 'info' },
  });
  const startAgent = async (overrides: Record<string, unknown> = {}) => {
    agent = await procs.start('agent', 'agent', agentConfig(overrides));
    agentUrl = `http://127.0.0.1:${await agent.port('agent started')}`;
  };
  const metrics = async () => (await fetch(`${agentUrl}/metrics`)).text();
  const tombstones = async () => metricSum(await metrics(), 'crowsnest_agent_origin_tombstones');
  const evicted = async () => metricSum(await metrics(), 'crowsnest_agent_origin_tombstones_evicted_total', { reason: 'limit' });
  /** Waits until the agent holds no origin of `service` (they left discovery or expired). */
  const forgotten = (service: string) => pollUntil(async () => metricSum(await metrics(), 'crowsnest_agent_service_origins', { service }), (n) => n === 0);
  const push = async (service: string, body: unknown) => {
    const res = await fetch(`${agentUrl}/push/${service}/errors`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
  };
  const total = async (service: string, key: string, want: number) =>
    (await pollUntil(() => hubTotals(hubPort), (t) => t.get(service)?.get(key) === want)).get(service)?.get(key);

  beforeAll(async () => {
    dir = await procs.tempDir();
    target = await FixtureTarget.start({ kind: 'body', body: '' });
    target.setJson(payload('pod-1', Object.fromEntries(KEYS.map((k, i) => [k, 100 * (i + 1)]))));
    await writeTargets([target.address]);
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    await startAgent();
  }, 60_000);

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
  });

  it('counts a target that left discovery and came back (a readiness flap) exactly, every key', async () => {
    for (const [i, k] of KEYS.entries()) await total('web', k, 100 * (i + 1));
    await writeTargets([]);
    await forgotten('web');
    // Errors go on while the pod is out of discovery; it comes back with its counts grown.
    target.setJson(payload('pod-1', Object.fromEntries(KEYS.map((k, i) => [k, 100 * (i + 1) + 7]))));
    await writeTargets([target.address]);
    for (const [i, k] of KEYS.entries()) expect(await total('web', k, 100 * (i + 1) + 7)).toBe(100 * (i + 1) + 7);
    expect(metricSum(await metrics(), 'crowsnest_agent_origins_resumed_total')).toBe(1);
  });

  it('counts a pusher silent past origin_ttl exactly when it pushes again (5, then 7: 7)', async () => {
    await push('jobs', payload('worker-1', { 'job@1': 5 }));
    await total('jobs', 'job@1', 5);
    await forgotten('jobs'); // the pusher expired
    await push('jobs', payload('worker-1', { 'job@1': 7 }));
    expect(await total('jobs', 'job@1', 7)).toBe(7);
  });

  it('counts in full a returning instance whose counts went down (it restarted meanwhile)', async () => {
    await push('resets', payload('worker-2', { 'r@1': 5 }));
    await total('resets', 'r@1', 5);
    await forgotten('resets');
    await push('resets', payload('worker-2', { 'r@1': 3 }));
    expect(await total('resets', 'r@1', 8)).toBe(8);
  });

  it('keeps the tombstones across an agent restart with its state_dir', async () => {
    await push('restarts', payload('worker-3', { 's@1': 5 }));
    await total('restarts', 's@1', 5);
    await forgotten('restarts');
    expect(await agent.stop()).toBe(0);
    await startAgent();
    expect(await tombstones()).toBeGreaterThanOrEqual(1);
    await push('restarts', payload('worker-3', { 's@1': 9 }));
    expect(await total('restarts', 's@1', 9)).toBe(9);
  });

  it('counts the eviction of a tombstone past origin_tombstones; such an origin counts again in full', async () => {
    expect(await agent.stop()).toBe(0);
    await startAgent({ origin_tombstones: 1 });
    const before = await evicted(); // the saved tombstones past the new bound
    await push('evicted', payload('worker-4', { 'v@1': 5 }));
    await push('evicted', payload('worker-5', { 'v@1': 1 }));
    await total('evicted', 'v@1', 6);
    // Both expire: with room for one tombstone, worker-4's (the older) is evicted.
    await forgotten('evicted');
    expect(await evicted()).toBeGreaterThan(before);
    await push('evicted', payload('worker-4', { 'v@1': 5 }));
    expect(await total('evicted', 'v@1', 11)).toBe(11);
  });
});
