import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../../../agent/aggregate/aggregator.js';
import { IngestSink } from '../../../../agent/aggregate/ingest-sink.js';
import { createAgentApp } from '../../../../agent/api/app.js';
import { SentryIngest } from '../../../../agent/ingest/sentry/sentry-ingest.js';
import { SentryMetrics } from '../../../../agent/ingest/sentry/sentry-metrics.js';
import { sentryRoutes } from '../../../../agent/ingest/sentry/sentry-routes.js';
import { SentryConfigSchema } from '../../../../common/config/schema.js';
import { DEFAULT_LIMITS } from '../../../../common/limits.js';
import { SelfErrors } from '../../../../common/self-errors.js';

const KEY = '0123456789abcdef0123456789abcdef';
const LIMITED_KEY = 'abcdefabcdefabcdefabcdefabcdefab';
const MAX_BODY = 64 * 1024;

/** The agent's HTTP app with the Sentry routes, in process on 127.0.0.1 port 0, counting into a real aggregator. */
describe('Sentry endpoints over HTTP', () => {
  let server: Server;
  let base: string;
  let n = 0;
  const registry = new Registry();
  const aggregator = new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: Date.now(), startupWindowMs: 60_000, onChange: () => undefined });
  const total = () => [...aggregator.groups()].reduce((sum, g) => sum + g.count, 0);

  beforeAll(async () => {
    const metrics = new SentryMetrics(registry);
    const logger = pino({ level: 'silent' });
    const ingest = new SentryIngest({
      config: SentryConfigSchema.parse({
        projects: [{ id: 1, key: KEY, service: 'web' }, { id: 2, key: LIMITED_KEY, service: 'web', rate_limit: { events_per_second: 0.001, burst: 1 } }],
        max_event_bytes: 32 * 1024,
      }),
      limits: DEFAULT_LIMITS, metrics, logger,
      sink: new IngestSink(aggregator),
    });
    const app = createAgentApp({
      selfErrors: new SelfErrors(), logger, metrics: () => registry.metrics(), healths: () => [], ready: () => true,
      routers: [sentryRoutes({ ingest, metrics, logger, maxBodyBytes: MAX_BODY })],
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const eventId = () => (++n).toString(16).padStart(32, 'a');
  const envelope = (id = eventId(), extra = '') =>
    `{"event_id":"${id}"}\n${extra}{"type":"event"}\n${JSON.stringify({ event_id: id, exception: { values: [{ type: 'Error', value: 'boom' }] } })}\n`;
  const auth = { 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${KEY}` };
  const post = (path: string, body: NonNullable<RequestInit['body']>, headers: Record<string, string> = auth) => fetch(`${base}${path}`, { method: 'POST', body, headers });
  const rejected = async (reason: string) => {
    const m = /(\d+)$/.exec((await registry.metrics()).split('\n').find((l) => l.startsWith(`crowsnest_agent_sentry_rejected_total{reason="${reason}"}`)) ?? '');
    return m ? Number(m[1]) : 0;
  };

  it('answers 200 with the event id on both endpoints, with and without the trailing slash', async () => {
    const before = total();
    for (const path of ['/api/1/envelope/', '/api/1/envelope']) {
      const id = eventId();
      const res = await post(path, envelope(id));
      expect([res.status, await res.json()]).toEqual([200, { id }]);
    }
    for (const path of ['/api/1/store/', '/api/1/store']) {
      const id = eventId();
      const res = await post(path, JSON.stringify({ event_id: id, message: 'hello' }));
      expect([res.status, await res.json()]).toEqual([200, { id }]);
    }
    expect(total()).toBe(before + 4);
  });

  it('takes bodies with any or no Content-Type, compressed with gzip, deflate or br, and chunked', async () => {
    const before = total();
    const cases: [Buffer | string, Record<string, string>][] = [
      [envelope(), { 'content-type': 'application/x-sentry-envelope' }],
      [envelope(), { 'content-type': 'text/plain;charset=UTF-8' }],
      [gzipSync(envelope()), { 'content-encoding': 'gzip' }],
      [deflateSync(envelope()), { 'content-encoding': 'deflate' }],
      [brotliCompressSync(envelope()), { 'content-encoding': 'br' }],
    ];
    for (const [body, headers] of cases) expect((await post('/api/1/envelope/', body, { ...auth, ...headers })).status).toBe(200);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/api/1/envelope/?sentry_key=${KEY}`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const body = envelope();
      req.write(body.slice(0, 10));
      req.write(body.slice(10, 30));
      req.end(body.slice(30));
    });
    expect(chunked).toBe(200);
    expect(total()).toBe(before + 6);
  });

  it('answers the CORS preflight and marks answers readable by browsers', async () => {
    const pre = await fetch(`${base}/api/1/envelope/?sentry_key=${KEY}`, {
      method: 'OPTIONS', headers: { origin: 'https://shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-sentry-auth' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/x-sentry-auth.*content-type|content-type.*x-sentry-auth/);
    const res = await fetch(`${base}/api/1/envelope/?sentry_key=${KEY}`, { method: 'POST', body: envelope(), headers: { origin: 'https://shop.test', 'content-type': 'text/plain;charset=UTF-8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('answers 401 without a key, 403 for a wrong key or unknown project, 400 for a bad project id', async () => {
    const before = total();
    const missing = await post('/api/1/envelope/', envelope(), {});
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([401, 'missing_key']);
    expect((await post('/api/1/store/', '{}', {})).status).toBe(401);
    expect((await post('/api/1/envelope/', envelope(), { 'x-sentry-auth': `Sentry sentry_key=${LIMITED_KEY}` })).status).toBe(403);
    const unknown = await post('/api/77/envelope/', envelope());
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('x-sentry-error')).toMatch(/project 77/);
    expect((await post('/api/abc/envelope/', envelope())).status).toBe(400);
    expect(total()).toBe(before);
    expect(await rejected('wrong_key')).toBe(1);
    expect(await rejected('unknown_project')).toBe(1);
  });

  it('answers 413 for bodies, decompressed bodies and events over their limits, and 415 for unknown encodings', async () => {
    const huge = Buffer.alloc(MAX_BODY + 1, 'x');
    expect((await post('/api/1/envelope/', huge)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, '{'));
    const res = await post('/api/1/envelope/', bomb, { ...auth, 'content-encoding': 'gzip' });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([413, 'decompressed_too_large']);
    const bigEvent = `{}\n{"type":"event"}\n${JSON.stringify({ message: 'x'.repeat(40 * 1024) })}\n`;
    expect((await post('/api/1/envelope/', gzipSync(bigEvent), { ...auth, 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await post('/api/1/envelope/', envelope(), { ...auth, 'content-encoding': 'compress' })).status).toBe(415);
    expect(await rejected('body_too_large')).toBe(1);
    expect(await rejected('event_too_large')).toBe(1);
  });

  it('answers 400 to garbage and keeps serving', async () => {
    const bodies = ['', 'garbage', '{}\n{"type":"event","length":500}\n{}', '{}\n{"type":"event","length":1}\n{}\n', '{}\n{"type":"event"}\n{not json}\n'];
    for (const body of bodies) expect((await post('/api/1/envelope/', body)).status).toBe(400);
    expect((await post('/api/1/envelope/', Buffer.from('garbage'), { ...auth, 'content-encoding': 'gzip' })).status).toBe(400);
    expect(await rejected('invalid_item')).toBe(2);
    expect((await post('/api/1/envelope/', envelope())).status).toBe(200);
  });

  it('answers 429 with Retry-After and X-Sentry-Rate-Limits past the rate limit of a key', async () => {
    const headers = { 'x-sentry-auth': `Sentry sentry_key=${LIMITED_KEY}` };
    expect((await post('/api/2/envelope/', envelope(), headers)).status).toBe(200);
    const before = total();
    const limited = await post('/api/2/envelope/', envelope(), headers);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(900);
    expect(limited.headers.get('x-sentry-rate-limits')).toBe(`${retryAfter}:error;default:key`);
    expect(total()).toBe(before);
    // Other keys are not affected; envelopes without events are not limited.
    expect((await post('/api/1/envelope/', envelope())).status).toBe(200);
    expect((await post('/api/2/envelope/', '{}\n{"type":"session"}\n{}\n', headers)).status).toBe(200);
  });

  it('refuses other methods on the ingestion paths', async () => {
    expect((await fetch(`${base}/api/1/envelope/`)).status).toBe(405);
  });
});
