import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtlpIngestError } from '../../../../agent/ingest/otlp/otlp-error.js';
import { mapLogs, mapTraces } from '../../../../agent/ingest/otlp/otlp-mapping.js';
import type { LogsRequest, TracesRequest } from '../../../../agent/ingest/otlp/otlp-model.js';
import { LogsRequestType } from '../../../../agent/ingest/otlp/otlp-proto.js';
import { decodeRequest, encodingOf } from '../../../../agent/ingest/otlp/otlp-routes.js';
import { DEFAULT_LIMITS } from '../../../../common/limits.js';
import { toRfc3339 } from '../../../../common/wire/client-format.js';
import { traceBodies } from '../../../helpers/otlp-sdk.js';

const reason = (fn: () => unknown) => {
  try {
    fn();
    return 'decoded';
  } catch (err) {
    if (err instanceof OtlpIngestError) return err.reason;
    throw err;
  }
};

/** Protobuf length-delimited field `n` holding `inner`. */
const len = (n: number, inner: Buffer): Buffer => {
  const size: number[] = [];
  let v = inner.length;
  do {
    size.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>>= 7;
  } while (v > 0);
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...size]), inner]);
};

describe('decodeRequest', () => {
  it('reads the media types OTLP/HTTP uses', () => {
    expect([encodingOf('application/x-protobuf'), encodingOf('application/json; charset=utf-8'), encodingOf('text/plain'), encodingOf('')]).toEqual(['protobuf', 'json', undefined, undefined]);
  });

  it('refuses every truncation of a real protobuf batch as invalid_protobuf', async () => {
    const { proto } = await traceBodies('web', (tracer) => {
      const span = tracer.startSpan('op', { attributes: { 'http.request.method': 'GET' } });
      span.recordException(new Error('x'));
      span.end();
    });
    expect(reason(() => decodeRequest('traces', 'protobuf', proto))).toBe('decoded');
    for (let cut = 1; cut < proto.length; cut++) expect(reason(() => decodeRequest('traces', 'protobuf', proto.subarray(0, cut))), `cut at ${cut}`).toBe('invalid_protobuf');
  });

  it('never throws anything but a 400 on garbage, and what garbage decodes to maps without throwing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom('traces' as const, 'logs' as const), (bytes, signal) => {
      let request: unknown;
      try {
        request = decodeRequest(signal, 'protobuf', Buffer.from(bytes));
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpIngestError);
        return;
      }
      if (signal === 'traces') mapTraces(request as TracesRequest, 'otlp', DEFAULT_LIMITS, Date.now());
      else mapLogs(request as LogsRequest, 'otlp', DEFAULT_LIMITS, Date.now());
    }), { numRuns: 2_000 });
  });

  it('refuses attribute values nested past the recursion limit as invalid_protobuf', () => {
    let value = len(1, Buffer.from('leaf'));
    for (let i = 0; i < 200; i++) value = len(6, len(1, Buffer.concat([len(1, Buffer.from('k')), len(2, value)])));
    const record = len(6, Buffer.concat([len(1, Buffer.from('exception.message')), len(2, value)]));
    const body = len(1, len(2, len(2, record)));
    expect(reason(() => decodeRequest('logs', 'protobuf', body))).toBe('invalid_protobuf');
  });

  it('refuses invalid UTF-8 in a protobuf string as invalid_protobuf (proto3 strings are UTF-8), and mends it in JSON', () => {
    const message = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ key: 'exception.message', value: { stringValue: 'a@@@@@b' } }] }] }] }] };
    const bytes = Buffer.from(LogsRequestType.encode(LogsRequestType.fromObject(message)).finish());
    Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xc3]).copy(bytes, bytes.indexOf('@@@@@'));
    expect(reason(() => decodeRequest('logs', 'protobuf', bytes))).toBe('invalid_protobuf');

    const json = Buffer.from(JSON.stringify(message).replace('@@@@@', '\\ud800@@@@'));
    Buffer.from([0xff, 0xc3]).copy(json, json.indexOf('@@@@'));
    const [e] = mapLogs(decodeRequest('logs', 'json', json) as LogsRequest, 'otlp', DEFAULT_LIMITS, Date.now()).exceptions;
    const text = e?.sample().error.message ?? '';
    expect(text.startsWith('a\uFFFD') && text.endsWith('b') && text.length > 3).toBe(true);
    expect(/[\uD800-\uDFFF]/.test(text)).toBe(false);
  });

  it('reads OTLP/JSON with hex ids and int64 strings, ignores unknown fields and refuses other shapes as invalid_json', () => {
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    const ok = { resourceSpans: [{ future: 1, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', extra: { a: 1 }, events: [{ name: 'exception', timeUnixNano: '1700000000000000000', attributes: [{ key: 'exception.type', value: { stringValue: 'E' } }] }] }] }] }] };
    const [e] = mapTraces(decodeRequest('traces', 'json', json(ok)) as TracesRequest, 'otlp', DEFAULT_LIMITS, Date.now()).exceptions;
    expect(e?.dedupId).toBe('s0af7651916cd43dd8448eb211c80319cb7ad6b71692033310');
    expect(e?.sample().timestamp).toBe(toRfc3339(1_700_000_000_000));
    expect(reason(() => decodeRequest('traces', 'json', Buffer.from('{"resourceSpans": [')))).toBe('invalid_json');
    expect(reason(() => decodeRequest('traces', 'json', json({ resourceSpans: 'no' })))).toBe('invalid_json');
    expect(reason(() => decodeRequest('logs', 'json', json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'ERROR' }] }] }] })))).toBe('invalid_json');
    // JSON.parse does not recurse and attribute values are read without recursion: any depth decodes.
    const nested = (depth: number) => Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"intValue":"1"}${'}]}}'.repeat(depth)}}]}]}]}]}`);
    expect(reason(() => decodeRequest('logs', 'json', nested(1_000)))).toBe('decoded');
    expect(reason(() => decodeRequest('logs', 'json', nested(1_000_000)))).toBe('decoded');
  });
});
