import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsResponseSchema } from '../../common/api/v1.js';
import { WebhookPayloadSchema } from '../../hub/notify/webhook-schema.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK_CHILD = fileURLToPath(new URL('../helpers/sentry-sdk-child.mjs', import.meta.url));
const KEY = '0123456789abcdef0123456789abcdef';
const LIMITED_KEY = 'abcdefabcdefabcdefabcdefabcdefab';

interface PeriskopError { class: string; message: string; stacktrace: string[] | null; cause: PeriskopError | null }
interface PeriskopAggregate {
  aggregation_key: string;
  total_count: number;
  severity: string;
  latest_errors: { error: PeriskopError; uuid: string; severity: string; http_context: { request_method: string; request_url: string; request_headers: Record<string, string> | null; request_body: string } | null }[];
}
interface SdkRun { eventIds: string[]; flushed: boolean[]; closed: boolean }

/**
 * The real @sentry/node SDK, in child processes, against a running agent process that ships to a hub
 * process; the hub notifies a webhook receiver (and a Slack-compatible one) in this process, which
 * refuses each notification's first attempt.
 */
describe('Sentry SDK -> agent -> hub, with notifications', () => {
  const procs = new Processes();
  let receiver: WebhookReceiver;
  let hubPort: number;
  let agentPort: number;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.failFirstAttempts();
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir, {
      notifications: [
        { type: 'webhook', url: `${receiver.url}/hook`, name: 'test hook', retry_backoff: '100ms', retry_max: '300ms', timeout: '2s' },
        { type: 'slack', url: `${receiver.url}/slack`, severities: ['warning'], events: ['new'], retry_backoff: '100ms', retry_max: '300ms' },
      ],
    })));
    const agent = await procs.start('agent', 'agent', agentConfig('agent-sentry', [hubPort], {}, {
      sentry: {
        projects: [
          { id: 1, key: KEY, service: 'web' },
          { id: 2, key: LIMITED_KEY, service: 'batch', rate_limit: { events_per_second: 0.001, burst: 3 } },
        ],
        max_event_bytes: 256 * 1024,
      },
    }));
    agentPort = await agent.port('agent started');
  });

  afterAll(async () => {
    await procs.cleanup();
    await receiver.close();
  });

  const dsn = (key: string, project: number) => `http://${key}@127.0.0.1:${agentPort}/${project}`;
  async function sdk(args: Record<string, unknown>): Promise<SdkRun> {
    // The child exits on its own once Sentry.close() flushed: a timer left behind would hit the timeout.
    const { stdout } = await run(process.execPath, [SDK_CHILD, JSON.stringify(args)], { cwd: ROOT, timeout: 30_000 });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as SdkRun;
    expect(result.closed).toBe(true);
    return result;
  }
  const errors = (service: string) => getJson<PeriskopAggregate[]>(`http://127.0.0.1:${hubPort}/services/${service}/errors/`);
  const bySample = async (service: string, eventId: string) => {
    const list = await pollUntil(() => errors(service), (l) => l.some((a) => a.latest_errors.some((e) => e.uuid === eventId)));
    return list.find((a) => a.latest_errors.some((e) => e.uuid === eventId)) as PeriskopAggregate;
  };
  const agentMetric = async (line: string) => {
    const text = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };
  const hooksFor = (service: string, key: string) => receiver.received.filter((h) => h.path === '/hook' && h.body['service'] === service && h.body['key'] === key);

  let causeKey = '';

  it('shows captureException with a cause chain as one group with class, message, stack and the whole chain', async () => {
    const { eventIds } = await sdk({ dsn: dsn(KEY, 1), scenario: 'cause' });
    const group = await bySample('web', eventIds[0] as string);
    causeKey = group.aggregation_key;
    expect(group.aggregation_key).toMatch(/^Error@[0-9a-f]{12}$/);
    expect(group.total_count).toBe(1);
    expect(group.severity).toBe('error');
    const error = group.latest_errors[0]?.error as PeriskopError;
    expect([error.class, error.message]).toEqual(['Error', 'checkout failed']);
    expect([error.cause?.class, error.cause?.message]).toEqual(['RangeError', 'quantity out of range']);
    expect([error.cause?.cause?.class, error.cause?.cause?.message, error.cause?.cause?.cause]).toEqual(['Error', 'db timeout', null]);
    // Newest frame first: the line that threw, in the SDK child, before node's module loader.
    expect(error.stacktrace?.[0]).toMatch(/^at .* \(.*sentry-sdk-child\.mjs:\d+:\d+\)$/);
    expect(error.stacktrace?.at(-1)).toMatch(/node:internal/);
  });

  it('shows captureMessage at warning as a Message group with severity warning', async () => {
    const { eventIds } = await sdk({ dsn: dsn(KEY, 1), scenario: 'message' });
    const group = await bySample('web', eventIds[0] as string);
    expect(group.aggregation_key).toMatch(/^Message@[0-9a-f]{12}$/);
    expect(group.severity).toBe('warning');
    expect(group.latest_errors[0]?.error).toMatchObject({ class: 'Message', message: 'disk almost full', cause: null });
  });

  it('keeps the HTTP request of an error inside an instrumented handler, without sensitive headers', async () => {
    const { eventIds } = await sdk({ dsn: dsn(KEY, 1), scenario: 'http' });
    const group = await bySample('web', eventIds[0] as string);
    const sample = group.latest_errors[0];
    expect(sample?.error).toMatchObject({ class: 'TypeError', message: 'cannot read order /orders/42?expand=items' });
    expect(sample?.http_context?.request_method).toBe('POST');
    expect(sample?.http_context?.request_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/orders\/42\?expand=items$/);
    const headers = Object.fromEntries(Object.entries(sample?.http_context?.request_headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers['x-request-id']).toBe('req-42');
    expect(headers['content-type']).toBe('application/json');
    for (const secret of ['cookie', 'authorization', 'x-api-key']) expect(headers[secret]).toBeUndefined();
  });

  it('accepts an event over 32 KiB, which the SDK sends gzipped, and a gzip body sent by hand', async () => {
    const { eventIds } = await sdk({ dsn: dsn(KEY, 1), scenario: 'large', bytes: 40_000 });
    const group = await bySample('web', eventIds[0] as string);
    expect(group.latest_errors[0]?.error).toMatchObject({ class: 'Error', message: 'large event' });

    const id = 'feedfacefeedfacefeedfacefeedface';
    const event = JSON.stringify({ event_id: id, level: 'error', exception: { values: [{ type: 'HandMade', value: 'gzip by hand', stacktrace: { frames: [{ function: 'f', filename: 'x.js', in_app: true }] } }] }, extra: { pad: 'y'.repeat(40_000) } });
    const res = await fetch(`http://127.0.0.1:${agentPort}/api/1/envelope/`, {
      method: 'POST', headers: { 'content-encoding': 'gzip', 'x-sentry-auth': `Sentry sentry_key=${KEY}` },
      body: gzipSync(`{"event_id":"${id}"}\n{"type":"event","length":${Buffer.byteLength(event)}}\n${event}\n`),
    });
    expect([res.status, await res.json()]).toEqual([200, { id }]);
    expect((await bySample('web', id)).latest_errors[0]?.error.class).toBe('HandMade');
  });

  it('answers 429 past the rate limit; the SDK backs off and nothing beyond the limit is counted', async () => {
    const result = await sdk({ dsn: dsn(LIMITED_KEY, 2), scenario: 'burst', count: 6, message: 'nightly job failed' });
    expect(result.eventIds).toHaveLength(6);
    const counted = await pollUntil(() => errors('batch'), (l) => l[0]?.total_count === 3);
    expect(counted.map((a) => a.total_count)).toEqual([3]);
    expect(await agentMetric('crowsnest_agent_sentry_events_total{service="batch",result="accepted"}')).toBe(3);
    // One request was refused; the SDK then kept the last two events to itself.
    expect(await agentMetric('crowsnest_agent_sentry_rejected_total{reason="rate_limited"}')).toBe(1);
  });

  it('answers bad input with the right 4xx, counts it by reason and keeps serving', async () => {
    const post = (path: string, body: string | Buffer, headers: Record<string, string>) => fetch(`http://127.0.0.1:${agentPort}${path}`, { method: 'POST', body, headers });
    const auth = { 'x-sentry-auth': `Sentry sentry_key=${KEY}` };
    expect((await post('/api/1/envelope/', 'garbage', auth)).status).toBe(400);
    expect((await post('/api/1/envelope/', '{}\n{"type":"event","length":99}\n{}', auth)).status).toBe(400);
    expect((await post('/api/1/envelope/', '{}\n{"type":"event"}\n{}\n', { 'x-sentry-auth': `Sentry sentry_key=${LIMITED_KEY}` })).status).toBe(403);
    expect((await post('/api/9/envelope/', '{}\n', auth)).status).toBe(403);
    expect((await post('/api/1/envelope/', '{}\n', {})).status).toBe(401);
    expect((await post('/api/1/envelope/', gzipSync(Buffer.alloc(32 * 1024 * 1024)), { ...auth, 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await post('/api/1/envelope/', `{}\n{"type":"event"}\n${JSON.stringify({ message: 'x'.repeat(300 * 1024) })}\n`, auth)).status).toBe(413);
    for (const [reason, n] of [['invalid_envelope', 1], ['invalid_item', 1], ['wrong_key', 1], ['unknown_project', 1], ['missing_key', 1], ['decompressed_too_large', 1], ['event_too_large', 1]] as const) {
      expect(await agentMetric(`crowsnest_agent_sentry_rejected_total{reason="${reason}"}`), reason).toBe(n);
    }
    expect((await fetch(`http://127.0.0.1:${agentPort}/-/health`)).status).toBe(200);
  });

  it('notifies each new group exactly once, after the receiver refused the first attempt', async () => {
    const groups = [...(await errors('web')).map((g) => ['web', g.aggregation_key]), ...(await errors('batch')).map((g) => ['batch', g.aggregation_key])];
    expect(groups).toHaveLength(6);
    const keys = groups.map(([s, k]) => `${s}/${k}`).sort();
    await pollUntil(async () => receiver.accepted('/hook').map((h) => `${String(h.body['service'])}/${String(h.body['key'])}`).sort(), (k) => JSON.stringify(k) === JSON.stringify(keys));
    for (const [service, key] of groups as [string, string][]) {
      const hooks = hooksFor(service, key);
      expect(hooks.map((h) => h.status), key).toEqual([500, 200]);
      expect(new Set(hooks.map((h) => h.body['id']))).toEqual(new Set([hooks[0]?.body['id']]));
      expect(WebhookPayloadSchema.parse(hooks[1]?.body).event).toBe('new');
    }
    const cause = WebhookPayloadSchema.parse(hooksFor('web', causeKey)[1]?.body);
    expect(cause).toMatchObject({ service: 'web', class: 'Error', message: 'checkout failed', severity: 'error', total_count: 1 });
    expect(cause.sample?.chain.map((c) => c.message)).toEqual(['checkout failed', 'quantity out of range', 'db timeout']);
    // The Slack channel wants only warnings: the message group.
    const slack = await pollUntil(async () => receiver.accepted('/slack'), (s) => s.length === 1);
    expect(String(slack[0]?.body['text'])).toMatch(/New error\* in \*web\* \(warning\)\n\*Message\*: disk almost full/);
  });

  it('notifies a regression once, after a resolve, and never re-announces the group as new', async () => {
    const res = await fetch(`http://127.0.0.1:${hubPort}/services/web/errors/${encodeURIComponent(causeKey)}/`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await sdk({ dsn: dsn(KEY, 1), scenario: 'cause' });
    await pollUntil(async () => hooksFor('web', causeKey).filter((h) => h.status === 200 && h.body['event'] === 'regressed'), (r) => r.length === 1);
    const alerts = AlertsResponseSchema.parse(await getJson(`http://127.0.0.1:${hubPort}/api/v1/alerts?service=web`));
    expect(alerts.items[0]).toMatchObject({ type: 'regressed', key: causeKey, total_count: 2, deliveries: [{ channel: 'test hook', status: 'delivered', attempts: 2, last_error: null }] });
    expect(alerts.items.filter((a) => a.key === causeKey).map((a) => a.type)).toEqual(['regressed', 'new']);
    // Whatever else arrives later, every group got exactly one "new" and the cause group one regression.
    const accepted = receiver.accepted('/hook');
    const perId = new Map<string, number>();
    for (const h of accepted) perId.set(h.body['id'] as string, (perId.get(h.body['id'] as string) ?? 0) + 1);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(accepted.filter((h) => h.body['service'] === 'web' && h.body['key'] === causeKey).map((h) => h.body['event'])).toEqual(['new', 'regressed']);
  });
});
