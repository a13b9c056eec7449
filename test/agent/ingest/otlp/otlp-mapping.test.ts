import { SeverityNumber } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { mapLogs, mapTraces, severityOfRecord } from '../../../../agent/ingest/otlp/otlp-mapping.js';
import type { LogsRequest, TracesRequest } from '../../../../agent/ingest/otlp/otlp-model.js';
import { decodeRequest } from '../../../../agent/ingest/otlp/otlp-routes.js';
import { DEFAULT_LIMITS, TRUNCATION_MARK } from '../../../../common/limits.js';
import { logBodies, type OtlpBodies, traceBodies } from '../../../helpers/otlp-sdk.js';

const NOW = Date.now();
const both = (bodies: OtlpBodies, signal: 'traces' | 'logs') => [
  ['protobuf', decodeRequest(signal, 'protobuf', bodies.proto)],
  ['json', decodeRequest(signal, 'json', bodies.json)],
] as const;

function failing(name: string): never {
  throw new TypeError(`${name} failed`);
}
const chargeCard = () => new TypeError('card declined');
const refundCard = () => new TypeError('card declined');

/** Requests written by the real OpenTelemetry SDK serializers, decoded by the agent, in both encodings. */
describe('mapTraces', () => {
  it('takes each exception event with type, message, stack lines, error severity and the span\'s HTTP context', async () => {
    const bodies = await traceBodies('checkout', (tracer) => {
      const span = tracer.startSpan('POST /orders', {
        attributes: {
          'http.request.method': 'POST', 'url.full': 'http://shop/orders?x=1', 'http.request.header.x-request-id': ['r-1'],
          'http.request.header.cookie': ['secret'], 'http.request.header.accept': ['a', 'b'],
        },
      });
      try {
        failing('charge');
      } catch (err) {
        span.recordException(err as Error);
      }
      span.addEvent('retry', { attempt: 2 });
      span.recordException(new RangeError('second'));
      span.end();
      tracer.startSpan('GET /health').end();
    });
    for (const [encoding, request] of both(bodies, 'traces')) {
      const batch = mapTraces(request as TracesRequest, 'otlp', DEFAULT_LIMITS, NOW);
      expect([encoding, batch.items, batch.ignored, batch.exceptions.length]).toEqual([encoding, 2, 1, 2]);
      const [first, second] = batch.exceptions;
      expect(first).toMatchObject({ service: 'checkout', severity: 'error', item: 0 });
      expect(first?.key).toMatch(/^TypeError@[0-9a-f]{12}$/);
      expect(first?.sample().error).toMatchObject({ class: 'TypeError', message: 'charge failed', cause: null });
      expect(first?.sample().error.stacktrace?.[0]).toBe('TypeError: charge failed');
      expect(first?.sample().error.stacktrace?.[1]).toMatch(/^ {4}at failing \(.*otlp-mapping\.test\.ts:\d+:\d+\)$/);
      expect(first?.sample().http_context).toEqual({
        request_method: 'POST', request_url: 'http://shop/orders?x=1', request_headers: { 'x-request-id': 'r-1', accept: 'a, b' }, request_body: '',
      });
      expect(Math.abs(Date.parse(first?.sample().timestamp ?? '') - NOW)).toBeLessThan(60_000);
      expect(second?.sample().error).toMatchObject({ class: 'RangeError', message: 'second' });
      expect(second?.dedupId).not.toBe(first?.dedupId);
    }
    const [proto, json] = both(bodies, 'traces').map(([, r]) => mapTraces(r as TracesRequest, 'otlp', DEFAULT_LIMITS, NOW).exceptions.map((e) => ({ ...e, sample: e.sample() })));
    // Both encodings of one batch are the same exceptions: same keys, identities and samples.
    expect(json).toEqual(proto);
  });

  it('counts under the fallback service when the resource has none or unknown_service', async () => {
    const bodies = await traceBodies(undefined, (tracer) => {
      const span = tracer.startSpan('job');
      span.recordException(new Error('x'));
      span.end();
    });
    for (const [, request] of both(bodies, 'traces')) expect(mapTraces(request as TracesRequest, 'fallback', DEFAULT_LIMITS, NOW).exceptions[0]?.service).toBe('fallback');
  });
});

describe('mapLogs', () => {
  it('takes records with exception attributes, with the severity of their SeverityNumber, and ignores the rest', async () => {
    const bodies = await logBodies('billing', (logger) => {
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'charge failed', exception: chargeCard() });
      logger.emit({ severityNumber: SeverityNumber.WARN, body: 'slow', exception: new RangeError('timeout') });
      logger.emit({ severityNumber: SeverityNumber.INFO, attributes: { 'exception.message': 'only a message' } });
      logger.emit({ severityNumber: SeverityNumber.FATAL, body: 'plain log, no exception' });
      logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'refund failed', exception: refundCard() });
    });
    for (const [, request] of both(bodies, 'logs')) {
      const batch = mapLogs(request as LogsRequest, 'otlp', DEFAULT_LIMITS, NOW);
      expect([batch.items, batch.ignored]).toEqual([5, 1]);
      expect(batch.exceptions.map((e) => [e.sample().error.class, e.sample().error.message, e.severity, e.item])).toEqual([
        ['TypeError', 'card declined', 'error', 0], ['RangeError', 'timeout', 'warning', 1], ['Error', 'only a message', 'info', 2], ['TypeError', 'card declined', 'error', 4],
      ]);
      // Two throws of one type from different places are two groups; the identities all differ.
      expect(batch.exceptions[0]?.key).not.toBe(batch.exceptions[3]?.key);
      expect(new Set(batch.exceptions.map((e) => e.dedupId)).size).toBe(4);
    }
  });

  it('tells identical records of one batch apart by their position, and gives a resent batch the same identities', () => {
    const record = { timeUnixNano: '1700000000000000000', severityNumber: 17, attributes: [{ key: 'exception.type', value: { stringValue: 'E' } }] };
    const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [record, record] }] }] };
    const ids = mapLogs(request, 'otlp', DEFAULT_LIMITS, NOW).exceptions.map((e) => e.dedupId);
    expect(new Set(ids).size).toBe(2);
    expect(mapLogs(request, 'otlp', DEFAULT_LIMITS, NOW).exceptions.map((e) => e.dedupId)).toEqual(ids);
  });

  it('maps every SeverityNumber: INFO and below info, WARN warning, ERROR and FATAL error, unspecified by text else error', () => {
    const got = Array.from({ length: 25 }, (_, n) => severityOfRecord(n, undefined));
    expect(got).toEqual(['error', ...Array(12).fill('info'), ...Array(4).fill('warning'), ...Array(8).fill('error')]);
    expect([severityOfRecord(0, 'WARN'), severityOfRecord(0, 'trace'), severityOfRecord(99, 'Information')]).toEqual(['warning', 'info', 'error']);
  });
});

describe('limits and odd values', () => {
  const logWith = (attributes: unknown[]) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes }] }] }] }) as LogsRequest;

  it('cuts a huge stacktrace to the stack line limit with a count of the rest', () => {
    const stack = ['Error: x', ...Array.from({ length: 100_000 }, (_, i) => `    at f${i} (/a.js:1:1)`)].join('\n');
    const [e] = mapLogs(logWith([{ key: 'exception.type', value: { stringValue: 'E' } }, { key: 'exception.stacktrace', value: { stringValue: stack } }]), 'otlp', DEFAULT_LIMITS, NOW).exceptions;
    const lines = e?.sample().error.stacktrace ?? [];
    expect(lines).toHaveLength(DEFAULT_LIMITS.stackLines);
    expect(lines.at(-1)).toBe(`${TRUNCATION_MARK} ${100_001 - DEFAULT_LIMITS.stackLines + 1} more lines`);
  });

  it('reads nested values without recursion: a deep key-value list as a message is no text', () => {
    let deep: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 100_000; i++) deep = { kvlistValue: { values: [{ key: 'k', value: deep }] } };
    const [e] = mapLogs(logWith([{ key: 'exception.type', value: { stringValue: 'E' } }, { key: 'exception.message', value: deep }]), 'otlp', DEFAULT_LIMITS, NOW).exceptions;
    expect(e?.sample().error.message).toBe('');
  });

  it('replaces lone surrogates with U+FFFD and ignores attributes of the wrong shape', () => {
    const [e] = mapLogs(logWith([null, 7, { key: 3 }, { key: 'exception.type', value: { stringValue: 'Bad\uD800Type' } }, { key: 'exception.message', value: { intValue: '42' } }]), 'otlp', DEFAULT_LIMITS, NOW).exceptions;
    expect(e?.sample().error).toMatchObject({ class: 'Bad\uFFFDType', message: '42' });
  });
});
