import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Aggregator } from '../../../../agent/aggregate/aggregator.js';
import { IngestSink } from '../../../../agent/aggregate/ingest-sink.js';
import { createAgentApp } from '../../../../agent/api/app.js';
import { pushOrigin, pushRoutes } from '../../../../agent/ingest/push/push-routes.js';
import { DEFAULT_LIMITS, type Limits } from '../../../../common/limits.js';
import { SelfErrors } from '../../../../common/self-errors.js';

const FIXTURE = readFileSync(new URL('../../../fixtures/periskop/pushgateway-push-request.json', import.meta.url), 'utf8');
const NOW = 1_700_000_000_000;

let server: Server;
let base: string;
let aggregator: Aggregator;
let pushes: [string, string, number][];

async function start(options: { limits?: Limits; maxServices?: number; configured?: string[]; tokens?: string[] } = {}) {
  aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: NOW, startupWindowMs: 0, onChange: () => undefined,
  });
  pushes = [];
  const logger = pino({ level: 'silent' });
  const app = createAgentApp({
    selfErrors: new SelfErrors(),
    logger,
    metrics: async () => '',
    healths: () => [],
    ready: () => true,
    routers: [pushRoutes({
      limits: options.limits ?? DEFAULT_LIMITS,
      defaultService: 'push',
      maxServices: options.maxServices ?? 100,
      configuredServices: new Set(options.configured ?? []),
      tokens: options.tokens ?? [],
      logger,
      now: () => NOW,
      sink: new IngestSink(aggregator),
      onPush: (service, result, bytes) => pushes.push([service, result, bytes]),
    })],
  });
  server = createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(async () => start());

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const payload = (uuid: string | undefined, counts: Record<string, number>) => JSON.stringify({
  ...(uuid === undefined ? {} : { target_uuid: uuid }),
  aggregated_errors: Object.entries(counts).map(([key, total]) => ({ aggregation_key: key, total_count: total, severity: 'error', latest_errors: [] })),
});

async function push(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const count = (service: string, key: string) => aggregator.group(service, key)?.count;

describe('push (Periskop push gateway compatibility)', () => {
  it("accepts the gateway README's push to POST /errors into the default service", async () => {
    const r = await push('/errors', FIXTURE);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ service: 'push', target_uuid: '5d9893c6-51d6-11ea-8aad-f894c260afe5', aggregates: 1, increments: 1 });
    expect(count('push', 'test')).toBe(1);
    expect(aggregator.group('push', 'test')?.samples.map((s) => s.chain[0]?.class)).toEqual(['testing']);
  });

  it('accepts POST /push/{service}/errors into that service', async () => {
    expect((await push('/push/billing-job/errors', FIXTURE)).status).toBe(200);
    expect(count('billing-job', 'test')).toBe(1);
  });

  it('adds nothing when the same cumulative state is pushed again', async () => {
    for (let i = 0; i < 5; i++) await push('/push/job/errors', payload('run-1', { a: 3, b: 1 }));
    expect([count('job', 'a'), count('job', 'b')]).toEqual([3, 1]);
  });

  it('adds only the growth of a client that pushes again with higher counts', async () => {
    await push('/push/job/errors', payload('run-1', { a: 3 }));
    const r = await push('/push/job/errors', payload('run-1', { a: 7 }));
    expect(r.body['increments']).toBe(4);
    expect(count('job', 'a')).toBe(7);
  });

  it('counts each pushing client on its own, by target_uuid', async () => {
    await push('/push/job/errors', payload('run-1', { a: 3 }));
    await push('/push/job/errors', payload('run-2', { a: 2 }));
    await push('/push/job/errors', payload('run-1', { a: 3 }));
    await push('/push/job/errors', payload('run-2', { a: 5 }));
    expect(count('job', 'a')).toBe(8);
    expect(aggregator.stats().origins).toBe(2);
  });

  it('treats smaller counts from the same client as a restart (Prometheus semantics)', async () => {
    await push('/push/job/errors', payload('run-1', { a: 5 }));
    await push('/push/job/errors', payload('run-1', { a: 2 }));
    expect(count('job', 'a')).toBe(7);
  });

  it('counts a client exactly over many repeated pushes (property of cumulative counting)', async () => {
    let total = 0;
    for (let i = 1; i <= 30; i++) {
      total = i % 3 === 0 ? total : total + i; // sometimes the same state again
      await push('/push/job/errors', payload('long-running', { k: total }));
    }
    expect(count('job', 'k')).toBe(total);
  });

  it('keys the origin by service and target_uuid', () => {
    expect(pushOrigin('job', 'u-1')).toBe('push:job:u-1');
  });

  it('refuses a push without target_uuid, saying why it is needed', async () => {
    const r = await push('/errors', payload(undefined, { a: 1 }));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'missing_target_uuid', message: 'target_uuid is required: pushes are counted per pushing client (cumulative counts per target_uuid), so that repeated pushes of the same counts add nothing' } });
    expect(aggregator.stats().groups).toBe(0);
  });

  it.each<[string, string, number, string]>([
    ['invalid JSON', '{"target_uuid":', 400, 'invalid_json'],
    ['a JSON list', '[1,2]', 400, 'invalid_payload'],
    ['a target_uuid of the wrong type', '{"target_uuid": 5, "aggregated_errors": []}', 400, 'invalid_payload'],
    ['aggregated_errors that is not a list', '{"target_uuid": "u", "aggregated_errors": "x"}', 400, 'invalid_payload'],
  ])('answers %s with %i %s', async (_name, body, status, code) => {
    const r = await push('/errors', body);
    expect(r.status).toBe(status);
    expect((r.body['error'] as { code: string }).code).toBe(code);
  });

  it('drops invalid aggregates (negative, fractional counts) and counts the rest', async () => {
    const body = JSON.stringify({ target_uuid: 'u', aggregated_errors: [
      { aggregation_key: 'neg', total_count: -1 }, { aggregation_key: 'frac', total_count: 1.5 }, { aggregation_key: 'ok', total_count: 2 },
    ] });
    const r = await push('/errors', body);
    expect(r.status).toBe(200);
    expect(r.body['dropped']).toEqual({ aggregate_invalid: 2 });
    expect(count('push', 'ok')).toBe(2);
    expect(count('push', 'neg')).toBeUndefined();
  });

  it('reads a gzip body', async () => {
    const r = await push('/errors', gzipSync(payload('u', { a: 1 })), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(count('push', 'a')).toBe(1);
  });

  it('answers 413 to a body over the limit, counted compressed and decompressed (gzip bomb)', async () => {
    await start({ limits: { ...DEFAULT_LIMITS, bodyBytes: 64 * 1024 } });
    const big = await push('/errors', 'x'.repeat(100 * 1024));
    expect(big.status).toBe(413);
    expect((big.body['error'] as { code: string }).code).toBe('body_too_large');
    const bomb = await push('/errors', gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)), { 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(413);
    expect(bomb.body).toEqual({ error: { code: 'body_too_large', message: 'the decompressed body exceeds the limit of 65536 bytes' } });
  });

  it('answers 415 to an unknown content-encoding', async () => {
    const r = await push('/errors', payload('u', {}), { 'content-encoding': 'zstd' });
    expect(r.status).toBe(415);
  });

  it('refuses a new service past push.max_services, but not a configured one', async () => {
    await start({ maxServices: 2, configured: ['checkout'] });
    expect((await push('/push/a/errors', payload('u', {}))).status).toBe(200);
    expect((await push('/push/b/errors', payload('u', {}))).status).toBe(200);
    expect((await push('/push/a/errors', payload('u', {}))).status).toBe(200);
    const third = await push('/push/c/errors', payload('u', {}));
    expect(third.status).toBe(400);
    expect((third.body['error'] as { code: string }).code).toBe('too_many_services');
    expect((await push('/push/checkout/errors', payload('u', {}))).status).toBe(200);
    // A refused name does not become a metrics series of its own.
    expect(pushes.find(([, result]) => result === 'too_many_services')?.[0]).toBe('(refused)');
  });

  it('refuses a service name with control characters', async () => {
    const r = await push('/push/bad%0Aname/errors', payload('u', {}));
    expect(r.status).toBe(400);
    expect((r.body['error'] as { code: string }).code).toBe('invalid_service');
  });

  it('still serves GET /-/health and the agent\'s own GET /errors next to POST /errors', async () => {
    expect(await (await fetch(`${base}/-/health`)).text()).toBe('OK');
    const own = (await (await fetch(`${base}/errors`)).json()) as { aggregated_errors: unknown[] };
    expect(own.aggregated_errors).toEqual([]);
  });
});

describe('push tokens (agent.push.tokens)', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const code = (r: { body: Record<string, unknown> }) => (r.body['error'] as { code: string }).code;

  it('answers 401 without a token, with a wrong one and with another scheme, and counts nothing', async () => {
    await start({ tokens: ['s3cret', 'rotated'] });
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Bearer ' }, { authorization: 's3cret' }, { authorization: basic('s3cret', '') }, { authorization: 'Basic !!!' }]) {
      const r = await push('/push/job/errors', payload('u', { a: 1 }), headers);
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(code(r)).toBe('unauthorized');
    }
    expect(count('job', 'a')).toBeUndefined();
    expect(pushes.every(([service, result]) => service === '(refused)' && result === 'unauthorized')).toBe(true);
  });

  it('accepts every configured token as Bearer, and as the password of Basic auth (credentials in the URL)', async () => {
    await start({ tokens: ['s3cret', 'rotated'] });
    expect((await push('/push/job/errors', payload('u', { a: 1 }), { authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await push('/push/job/errors', payload('u', { a: 2 }), { authorization: 'Bearer rotated' })).status).toBe(200);
    expect((await push('/errors', FIXTURE, { authorization: basic('push', 's3cret') })).status).toBe(200);
    expect([count('job', 'a'), count('push', 'test')]).toEqual([2, 1]);
  });

  it('answers 401 before reading the body, so a large unauthenticated body costs nothing', async () => {
    await start({ tokens: ['s3cret'], limits: { ...DEFAULT_LIMITS, bodyBytes: 1024 } });
    const res = await fetch(`${base}/errors`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('needs no token when none is configured', async () => {
    expect((await push('/errors', FIXTURE)).status).toBe(200);
  });
});
