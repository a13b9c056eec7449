import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../../../agent/aggregate/aggregator.js';
import { IngestSink } from '../../../../agent/aggregate/ingest-sink.js';
import { setUpOtlp } from '../../../../agent/ingest/otlp/otlp-setup.js';
import { OtlpConfigSchema } from '../../../../common/config/schema.js';
import { DEFAULT_LIMITS } from '../../../../common/limits.js';
import { logBodies, traceBodies } from '../../../helpers/otlp-sdk.js';

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** 1 GiB of zeros, gzipped as a stream (a few MiB). */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let sent = 0; sent < bytes; sent += zeros.length) if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

/** The OTLP routes on their own listener (agent.otlp.listen), in process on 127.0.0.1 port 0, counting into a real aggregator. */
describe('OTLP endpoints over HTTP', () => {
  const registry = new Registry();
  const aggregator = new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: Date.now(), startupWindowMs: 60_000, onChange: () => undefined });
  const total = (service: string) => [...aggregator.groups()].filter((g) => g.service === service).reduce((sum, g) => sum + g.count, 0);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const config = OtlpConfigSchema.parse({ listen: '127.0.0.1:0', tokens: ['secret-a', 'limited'], rate_limit: { exceptions_per_second: 1_000, burst: 100_000 } });
    const setup = await setUpOtlp({ config, limits: DEFAULT_LIMITS, sink: new IngestSink(aggregator), registry, logger: pino({ level: 'silent' }), samplesPerGroup: 10, onUnexpected: () => undefined });
    server = setup.server as Server;
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, body: NonNullable<RequestInit['body']>, headers: Record<string, string>, token = 'secret-a') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, ...headers } });
  const metric = async (line: string) => {
    const found = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };
  const spansWithExceptions = (service: string, n: number) => traceBodies(service, (tracer) => {
    for (let i = 0; i < n; i++) {
      const span = tracer.startSpan(`op ${i}`);
      span.recordException(new Error(`boom ${i}`));
      span.end();
    }
  });

  it('counts a protobuf batch, answers an ExportTraceServiceResponse, and does not count a resent batch again', async () => {
    const { proto } = await spansWithExceptions('web', 3);
    const res = await post('/v1/traces', proto, PROTO);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/x-protobuf']);
    expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()))).toEqual({});
    expect(total('web')).toBe(3);
    expect((await post('/v1/traces', gzipSync(proto), { ...PROTO, 'content-encoding': 'gzip' })).status).toBe(200);
    expect(total('web')).toBe(3);
    expect(await metric('crowsnest_agent_otlp_exceptions_total{signal="traces",result="duplicate"}')).toBe(3);
  });

  it('answers JSON in JSON, and counts log records with exceptions only', async () => {
    const { json } = await logBodies('jobs', (logger) => {
      logger.emit({ severityNumber: 17, exception: new Error('failed') });
      logger.emit({ severityNumber: 9, body: 'fine' });
    });
    const res = await post('/v1/logs', json, JSON_TYPE);
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([200, 'application/json; charset=utf-8', {}]);
    expect(total('jobs')).toBe(1);
    expect(await metric('crowsnest_agent_otlp_items_ignored_total{signal="logs"}')).toBe(1);
  });

  it('refuses what it cannot take with the status the specification names, in the request\'s encoding', async () => {
    expect((await post('/v1/traces', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/traces', 'x', { ...PROTO, 'content-encoding': 'zstd' })).status).toBe(415);
    const garbage = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0x01]), PROTO);
    expect(garbage.status).toBe(400);
    // A google.rpc.Status: code INVALID_ARGUMENT (field 1 = 3), then the message.
    expect([...new Uint8Array(await garbage.arrayBuffer()).subarray(0, 2)]).toEqual([0x08, 3]);
    const badJson = await post('/v1/logs', '{"resourceLogs": 1}', JSON_TYPE);
    expect([badJson.status, ((await badJson.json()) as { code: number }).code]).toEqual([400, 3]);
    expect((await post('/v1/logs', '{}', JSON_TYPE, 'wrong')).status).toBe(401);
    expect((await fetch(`${base}/v1/logs`, { method: 'POST', body: '{}', headers: JSON_TYPE })).status).toBe(401);
    expect((await post('/v1/logs', Buffer.alloc(21 * 1024 * 1024), PROTO)).status).toBe(413);
    for (const [reason, n] of [['unsupported_media_type', 1], ['unsupported_encoding', 1], ['invalid_protobuf', 1], ['invalid_json', 1], ['wrong_token', 1], ['missing_token', 1], ['body_too_large', 1]] as const) {
      expect(await metric(`crowsnest_agent_otlp_rejected_total{reason="${reason}"}`), reason).toBe(n);
    }
  });

  it('stops a 1 GiB gzip bomb at the cap with 413 and keeps serving', async () => {
    const bomb = await gzipBomb(1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(8 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const res = await post('/v1/logs', bomb, { ...PROTO, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    expect(await metric('crowsnest_agent_otlp_rejected_total{reason="decompressed_too_large"}')).toBe(1);
    const { proto } = await logBodies('after-bomb', (logger) => logger.emit({ severityNumber: 17, exception: new Error('still here') }));
    expect((await post('/v1/logs', proto, PROTO)).status).toBe(200);
    expect(total('after-bomb')).toBe(1);
  });
});

describe('OTLP rate limit', () => {
  const aggregator = new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: Date.now(), startupWindowMs: 60_000, onChange: () => undefined });
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const config = OtlpConfigSchema.parse({ listen: '127.0.0.1:0', rate_limit: { exceptions_per_second: 0.001, burst: 3 } });
    const setup = await setUpOtlp({ config, limits: DEFAULT_LIMITS, sink: new IngestSink(aggregator), registry: new Registry(), logger: pino({ level: 'silent' }), samplesPerGroup: 10, onUnexpected: () => undefined });
    server = setup.server as Server;
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes what the bucket holds, reports the rest as partial success, then answers 429 with Retry-After', async () => {
    const { json } = await traceBodies('web', (tracer) => {
      for (let i = 0; i < 5; i++) {
        const span = tracer.startSpan(`op ${i}`);
        span.recordException(new Error('boom'));
        span.end();
      }
    });
    const first = await fetch(`${base}/v1/traces`, { method: 'POST', body: json, headers: JSON_TYPE });
    expect([first.status, await first.json()]).toEqual([200, { partialSuccess: { rejectedSpans: '2', errorMessage: 'exceptions rejected: rate limit exceeded' } }]);
    expect([...aggregator.groups()].map((g) => g.count)).toEqual([3]);
    const second = await fetch(`${base}/v1/traces`, { method: 'POST', body: json.toString().replace(/"spanId":"[0-9a-f]{16}"/g, '"spanId":"00000000000000aa"'), headers: JSON_TYPE });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
