import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const PUSH_FIXTURE = readFileSync(new URL('../fixtures/periskop/pushgateway-push-request.json', import.meta.url), 'utf8');

const payload = (uuid: string, key: string, total: number) => ({
  target_uuid: uuid,
  aggregated_errors: [{ aggregation_key: key, total_count: total, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [] }],
});

/**
 * A real agent process with file_sd discovery, pushes and a scrape of itself, streaming into a real
 * hub: what an operator sees at the hub is exact, and the agent's own endpoints answer.
 */
describe('agent: file_sd discovery, push, own endpoints', () => {
  const procs = new Processes();
  let hubPort: number;
  let agent: string;
  let sdDir: string;
  let a: FixtureTarget;
  let b: FixtureTarget;

  /** Writes a file_sd file the way config management does: a temp file renamed over it. */
  const writeTargets = async (name: string, targets: string[]) => {
    await writeFile(join(sdDir, `${name}.tmp`), JSON.stringify([{ targets }]));
    await rename(join(sdDir, `${name}.tmp`), join(sdDir, name));
  };

  beforeAll(async () => {
    a = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload('a', 'web@1', 3)) });
    b = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload('b', 'web@1', 4)) });
    const dir = await procs.tempDir();
    sdDir = dir;
    await writeTargets('web.json', [a.address]);
    await writeTargets('self.json', []);
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const scraper = { endpoint: '/errors', refresh_interval: '300ms', timeout: '2s' };
    const proc = await procs.start('agent', 'agent', {
      agent: {
        name: 'agent-sd',
        listen: '127.0.0.1:0',
        hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: TOKEN }],
        flush_interval: '100ms',
        push: { default_service: 'jobs' },
        services: [
          { name: 'web', file_sd_configs: [{ files: [join(dir, 'web.json')] }], scraper },
          { name: 'crowsnest-agent', file_sd_configs: [{ files: [join(dir, 'self.json')] }], scraper },
          { name: 'broken', file_sd_configs: [{ files: [join(dir, 'broken-*.json')] }], scraper },
        ],
      },
      log: { level: 'info' },
    });
    agent = `http://127.0.0.1:${await proc.port('agent started')}`;
  }, 60_000);

  afterAll(async () => {
    await procs.cleanup();
    await a.close();
    await b.close();
  });

  it('scrapes the targets of a file_sd file, and follows the file when it is replaced', async () => {
    await pollUntil(() => hubTotals(hubPort), (t) => t.get('web')?.get('web@1') === 3);
    await writeTargets('web.json', [b.address]);
    // A leaves discovery (its count stays in the total), B is found.
    await pollUntil(() => getJson<{ url: string }[]>(`${agent}/targets`), (ts) => ts.some((t) => t.url.includes(b.address)) && !ts.some((t) => t.url.includes(a.address)));
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => t.get('web')?.get('web@1') === 7);
    expect(totals.get('web')?.get('web@1')).toBe(7);
  });

  it('counts pushes exactly at the hub, however often the same state is pushed', async () => {
    const post = (path: string, body: string) => fetch(`${agent}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    for (let i = 0; i < 3; i++) expect((await post('/errors', PUSH_FIXTURE)).status).toBe(200);
    for (let i = 0; i < 3; i++) await post('/push/batch/errors', JSON.stringify(payload('run-1', 'batch@1', 2)));
    await post('/push/batch/errors', JSON.stringify(payload('run-2', 'batch@1', 5)));
    await post('/push/batch/errors', JSON.stringify(payload('run-1', 'batch@1', 4)));
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => t.get('jobs')?.get('test') === 1 && t.get('batch')?.get('batch@1') === 9);
    expect(totals.get('jobs')?.get('test')).toBe(1);
    expect(totals.get('batch')?.get('batch@1')).toBe(9);
    const refused = await post('/errors', JSON.stringify({ aggregated_errors: [] }));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('missing_target_uuid');
  });

  it('scrapes itself: its own errors (a broken file_sd file) reach the hub', async () => {
    await writeFile(join(sdDir, 'broken-1.json'), '[{"targets": ');
    await pollUntil(async () => (await getJson<{ aggregated_errors: unknown[] }>(`${agent}/errors`)).aggregated_errors.length, (n) => n > 0);
    await writeTargets('self.json', [new URL(agent).host]);
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => (t.get('crowsnest-agent')?.size ?? 0) > 0);
    const [key, count] = [...(totals.get('crowsnest-agent') ?? new Map<string, number>())][0] ?? [];
    expect(key).toMatch(/^Error@/);
    expect(count).toBeGreaterThan(0);
  });

  it('answers /-/health, /-/ready and /metrics with the agent figures', async () => {
    expect(await (await fetch(`${agent}/-/health`)).text()).toBe('OK');
    expect((await fetch(`${agent}/-/ready`)).status).toBe(200);
    const text = await (await fetch(`${agent}/metrics`)).text();
    for (const name of [
      'crowsnest_agent_scrape_duration_seconds_bucket', 'crowsnest_agent_targets{', 'crowsnest_agent_scraped_bytes_total{',
      'crowsnest_agent_unchanged_bodies_total{', 'crowsnest_agent_scrapes_total{', 'crowsnest_agent_pushes_total{',
      'crowsnest_agent_upstream_connected{', 'crowsnest_agent_pending_dirty_groups{', 'crowsnest_agent_service_groups{',
      'crowsnest_agent_group_evictions_total{', 'crowsnest_agent_tombstones{', 'crowsnest_agent_event_loop_delay_seconds{',
      'crowsnest_agent_interned_strings', 'periskop_instances_scrapped{service_name="web"} 1',
    ]) expect(text, name).toContain(name);
    expect(text).toMatch(/crowsnest_agent_upstream_connected\{hub="ws:\/\/127\.0\.0\.1:\d+\/federate"\} 1/);
    expect(text).toMatch(/crowsnest_agent_pushes_total\{service="batch",result="ok"\} 5/);
    expect(text).toMatch(/crowsnest_agent_pushes_total\{service="jobs",result="missing_target_uuid"\} 1/);
  });
});
