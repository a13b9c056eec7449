import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorGroupResponse, ErrorGroupResponseSchema, ErrorListResponseSchema, encodeSegment } from '../../common/api/v1.js';
import { TAG_VALUE_CHARS } from '../../common/merge/tags.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SENTRY_CHILD = fileURLToPath(new URL('../helpers/sentry-sdk-child.mjs', import.meta.url));
const OTLP_CHILD = fileURLToPath(new URL('../helpers/otlp-sdk-child.mjs', import.meta.url));
const KEY = '0123456789abcdef0123456789abcdef';
const OTLP_TOKEN = 'otlp-test-token';

/**
 * Releases and environments end to end: the real @sentry/node SDK (release, environment) and the real
 * OpenTelemetry SDK (service.version, deployment.environment[.name]) in child processes, into an agent
 * process, shipped to a hub process, read from /api/v1 with its environment= and release= filters.
 */
describe('releases and environments: SDKs -> agent -> hub /api/v1', () => {
  const procs = new Processes();
  let hubPort: number;
  let agentPort: number;
  let otlpPort: number;

  beforeAll(async () => {
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const agent = await procs.start('agent', 'agent', agentConfig('agent-tags', [hubPort], {}, {
      sentry: { projects: [{ id: 1, key: KEY, service: 'web' }], max_event_bytes: 4 * 1024 * 1024 },
      otlp: { listen: '127.0.0.1:0', tokens: [OTLP_TOKEN] },
    }));
    const line = await agent.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('on its own listener'));
    otlpPort = Number(String(line['listen']).split(':').pop());
    agentPort = await agent.port('agent started');
  });
  afterAll(async () => {
    await procs.cleanup();
  });

  const api = (path: string) => `http://127.0.0.1:${hubPort}/api/v1${path}`;
  async function sentry(init: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
    const args = { dsn: `http://${KEY}@127.0.0.1:${agentPort}/1`, scenario: 'message', init, ...extra };
    const { stdout } = await run(process.execPath, [SENTRY_CHILD, JSON.stringify(args)], { cwd: ROOT, timeout: 30_000, maxBuffer: 8 * 1024 * 1024 });
    expect((JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { closed: boolean }).closed).toBe(true);
  }
  async function group(service: string, key: string, done: (g: ErrorGroupResponse) => boolean): Promise<ErrorGroupResponse> {
    return pollUntil(async () => ErrorGroupResponseSchema.parse(await getJson(api(`/services/${encodeSegment(service)}/errors/${encodeSegment(key)}`))), done);
  }
  const list = async (path: string) => ErrorListResponseSchema.parse(await getJson(api(path)));

  let webKey = '';

  it('counts a Sentry group per environment and knows the release it was first seen in', async () => {
    await sentry({ release: 'shop@2.1.0', environment: 'production' });
    const first = await pollUntil(() => list('/services/web/errors'), (l) => l.items.length === 1);
    webKey = first.items[0]?.key as string;
    await sentry({ release: 'shop@2.2.0', environment: 'staging' });
    await sentry({ release: 'shop@2.2.0', environment: 'production' });
    const g = await group('web', webKey, (x) => x.total_count === 3);
    expect(g.first_release).toBe('shop@2.1.0');
    expect(g.environments.items.map((t) => [t.name, t.count])).toEqual([['production', 2], ['staging', 1]]);
    expect(g.environments.other).toBeNull();
    expect(g.releases.items.map((t) => [t.name, t.count])).toEqual([['shop@2.2.0', 2], ['shop@2.1.0', 1]]);
    expect(g.releases.items.every((t) => t.first_seen !== null && t.last_seen !== null)).toBe(true);
  });

  it('cuts a 1 MB release name at 200 characters and keeps counting', async () => {
    await sentry({ environment: 'production' }, { hugeRelease: 1024 * 1024 });
    const g = await group('web', webKey, (x) => x.total_count === 4);
    const cut = g.releases.items.find((t) => t.name.startsWith('rxxx'));
    expect(cut?.name.length).toBe(TAG_VALUE_CHARS);
    expect(g.environments.items.find((t) => t.name === 'production')?.count).toBe(3);
  });

  it('filters the lists by environment= and release=, in a service and across services', async () => {
    expect((await list('/services/web/errors?environment=staging')).items.map((i) => i.key)).toEqual([webKey]);
    expect((await list('/services/web/errors?environment=nowhere')).items).toEqual([]);
    expect((await list(`/errors?release=${encodeURIComponent('shop@2.1.0')}`)).items.map((i) => i.key)).toEqual([webKey]);
    expect((await list('/errors?release=shop%402.1.0&environment=staging')).total).toBe(1);
    expect((await list('/errors?release=9.9.9')).total).toBe(0);
    const bad = await fetch(api('/errors?environment='));
    expect(bad.status).toBe(400);
  });

  it('takes service.version and deployment.environment of an OpenTelemetry resource', async () => {
    const args = { base: `http://127.0.0.1:${otlpPort}`, token: OTLP_TOKEN, exporter: 'traces-proto', service: 'shop-otel', count: 5, resource: { 'deployment.environment': 'canary' } };
    const { stdout } = await run(process.execPath, [OTLP_CHILD, JSON.stringify(args)], { cwd: ROOT, timeout: 30_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ done: true });
    const l = await pollUntil(() => list('/services/shop-otel/errors').catch(() => ({ items: [], total: 0, next_cursor: null })), (x) => x.items.reduce((s, i) => s + i.total_count, 0) === 7);
    for (const item of l.items) {
      expect(item.first_release).toBe('1.2.3');
      expect(item.environments.items.map((t) => [t.name, t.count])).toEqual([['canary', item.total_count]]);
    }
  });

  it('prefers deployment.environment.name, the newer attribute', async () => {
    const args = {
      base: `http://127.0.0.1:${otlpPort}`, token: OTLP_TOKEN, exporter: 'logs-proto', service: 'shop-otel-logs', count: 3,
      resource: { 'deployment.environment.name': 'eu-prod', 'deployment.environment': 'old-name', 'service.version': '4.0.0' },
    };
    const { stdout } = await run(process.execPath, [OTLP_CHILD, JSON.stringify(args)], { cwd: ROOT, timeout: 30_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ done: true });
    const l = await pollUntil(() => list('/services/shop-otel-logs/errors').catch(() => ({ items: [], total: 0, next_cursor: null })), (x) => x.items.reduce((s, i) => s + i.total_count, 0) === 5);
    const detail = await group('shop-otel-logs', l.items[0]?.key as string, () => true);
    expect(detail.environments.items.map((t) => t.name)).toEqual(['eu-prod']);
    expect(detail.releases.items.map((t) => t.name)).toEqual(['4.0.0']);
    expect((await list('/errors?environment=eu-prod')).total).toBe(l.items.length);
  });
});
