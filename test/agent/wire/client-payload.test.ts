import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, TRUNCATION_MARK } from '../../../common/limits.js';
import { type Occurrence, OccurrenceSchema } from '../../../common/occurrence.js';
import {
  type ParsedPayload,
  parseClientPayload,
  parseHeaders,
  parseRawOccurrence,
  PayloadError,
  rawSampleUuid,
  type TruncationNotes,
} from '../../../agent/wire/client-payload.js';
import { limitsWith, periskopFixture, rawSample } from '../../helpers/builders.js';

const parse = (json: unknown) => parseClientPayload(json, DEFAULT_LIMITS);
const summary = (p: ParsedPayload) => p.aggregates.map((a) => ({ key: a.key, count: a.totalCount, severity: a.severity, createdAt: a.createdAt }));
const payloadWith = (...aggregates: unknown[]) => ({ target_uuid: 't', aggregated_errors: aggregates });
const validAggregate = (key: string, total_count: unknown = 1) => ({
  aggregation_key: key, total_count, severity: 'error', created_at: '2020-02-17T22:42:45Z', latest_errors: [],
});

/** Raw sample `sample` of aggregate `index` in a fixture, parsed. */
function fixtureSample(file: string, index: number, sample: number): Occurrence | undefined {
  const payload = parse(periskopFixture(file));
  return parseRawOccurrence(payload.aggregates[index]?.rawSamples[sample], DEFAULT_LIMITS);
}

/** An error whose cause chain is `depth` levels deep (1 = no cause), built without recursion. */
function deepError(depth: number): Record<string, unknown> {
  let error: Record<string, unknown> | null = null;
  for (let i = depth - 1; i >= 0; i--) error = { class: `E${i}`, message: `level ${i}`, stacktrace: [], cause: error };
  return error as Record<string, unknown>;
}

describe('parseClientPayload', () => {
  describe('reading Periskop client payloads', () => {
    it("reads the Go client's export", () => {
      const p = parse(periskopFixture('periskop-go-exporter-sample.json'));
      expect(p.targetUuid).toBe('5d9893c6-51d6-11ea-8aad-f894c260afe5');
      expect(summary(p)).toEqual([{ key: 'test', count: 1, severity: 'error', createdAt: Date.UTC(2020, 1, 17, 22, 42, 45) }]);
      expect(p.aggregates[0]?.rawSamples).toHaveLength(1);
      expect(p.dropped).toEqual({});
    });

    it("reads the Python client's export with millisecond created_at", () => {
      const p = parse(periskopFixture('periskop-python-exporter-sample.json'));
      expect(p.targetUuid).toBe('5d9893c6-51d6-11ea-8aad-f894c260afe5');
      expect(summary(p)).toEqual([{ key: 'Exception@a9a59d26', count: 1, severity: 'error', createdAt: Date.UTC(2019, 9, 11, 12, 47, 25, 595) }]);
      expect(p.dropped).toEqual({});
    });

    it("reads the Scala client's export with its three aggregates", () => {
      const p = parse(periskopFixture('periskop-scala-exporter-sample.json'));
      const created = Date.UTC(2018, 0, 2, 11, 22, 33);
      expect(p.targetUuid).toBe('00000000-0000-4000-8000-000000000000');
      expect(summary(p)).toEqual([
        { key: 'io.github.periskopdev.periskop.client.ExceptionExporterSpec$FakeException@PLACEHOLDER-murmur3-hash-0', count: 3, severity: 'error', createdAt: created },
        { key: 'io.github.periskopdev.periskop.client.ExceptionExporterSpec$FakeException@PLACEHOLDER-murmur3-hash-1', count: 1, severity: 'error', createdAt: created },
        { key: 'some-key', count: 1, severity: 'info', createdAt: Date.UTC(2018, 0, 3, 11, 22, 55) },
      ]);
      expect(p.aggregates.map((a) => a.rawSamples.length)).toEqual([3, 1, 1]);
    });

    it("reads Periskop's scraper sample, which has no target_uuid", () => {
      const p = parse(periskopFixture('periskop-scraper-sample-response1.json'));
      expect(p.targetUuid).toBeUndefined();
      expect(summary(p)).toEqual([{ key: 'com.soundcloud.Foon@e28e036e', count: 2, severity: 'error', createdAt: Date.UTC(2018, 8, 13, 16, 23, 30, 630) }]);
      expect(p.aggregates[0]?.rawSamples.map(rawSampleUuid)).toEqual(['uuid1', 'uuid2']);
    });

    it("reads Periskop's second scraper sample with its earlier created_at", () => {
      const p = parse(periskopFixture('periskop-scraper-sample-response2.json'));
      expect(summary(p)).toEqual([{ key: 'com.soundcloud.Foon@e28e036e', count: 2, severity: 'error', createdAt: Date.UTC(2018, 8, 13, 15, 23, 30, 630) }]);
      expect(p.aggregates[0]?.rawSamples.map(rawSampleUuid)).toEqual(['uuid3', 'uuid4']);
    });

    it('reads the body a client posts to the push gateway', () => {
      const p = parse(periskopFixture('pushgateway-push-request.json'));
      expect(p.targetUuid).toBe('5d9893c6-51d6-11ea-8aad-f894c260afe5');
      expect(summary(p)).toEqual([{ key: 'test', count: 1, severity: 'error', createdAt: Date.UTC(2020, 1, 17, 22, 42, 45) }]);
    });
  });

  describe('tolerating what Periskop clients leave out', () => {
    it('reads a payload without aggregated_errors as empty', () => {
      expect(parse({})).toEqual({ targetUuid: undefined, aggregates: [], dropped: {} });
    });

    it('reads null aggregated_errors as empty', () => {
      expect(parse({ aggregated_errors: null }).aggregates).toEqual([]);
    });

    it('ignores a target_uuid that is not a string', () => {
      expect(parse({ target_uuid: 42, aggregated_errors: [] }).targetUuid).toBeUndefined();
    });

    it('reads null latest_errors as no samples', () => {
      const p = parse(payloadWith({ ...validAggregate('k'), latest_errors: null }));
      expect(p.aggregates[0]?.rawSamples).toEqual([]);
    });

    it('reads latest_errors that is not a list as no samples, keeping the aggregate', () => {
      const p = parse(payloadWith({ ...validAggregate('k'), latest_errors: 'oops' }));
      expect(p.aggregates[0]?.rawSamples).toEqual([]);
    });

    it('reads severity in any case and unknown severities as error', () => {
      const p = parse(payloadWith(
        { ...validAggregate('a'), severity: 'WARNING' },
        { ...validAggregate('b'), severity: 'warn' },
        { ...validAggregate('c'), severity: 'catastrophic' },
        { ...validAggregate('d'), severity: null },
      ));
      expect(p.aggregates.map((a) => a.severity)).toEqual(['warning', 'warning', 'error', 'error']);
    });

    it('reads an unparseable created_at as unknown (0)', () => {
      const p = parse(payloadWith({ ...validAggregate('k'), created_at: 'last tuesday' }));
      expect(p.aggregates[0]?.createdAt).toBe(0);
    });
  });

  describe('dropping bad aggregates', () => {
    it.each([
      ['a negative count', -1],
      ['a fractional count', 1.5],
      ['a count written as a string', '5'],
      ['a NaN count', Number.NaN],
      ['an infinite count', Number.POSITIVE_INFINITY],
      ['a null count', null],
      ['a count beyond MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 1],
    ])('drops only the aggregate with %s and counts it', (_name, count) => {
      const p = parse(payloadWith(validAggregate('good-1'), validAggregate('bad', count), validAggregate('good-2')));
      expect(p.aggregates.map((a) => a.key)).toEqual(['good-1', 'good-2']);
      expect(p.dropped).toEqual({ aggregate_invalid: 1 });
    });

    it('accepts a count of exactly MAX_SAFE_INTEGER', () => {
      const p = parse(payloadWith(validAggregate('k', Number.MAX_SAFE_INTEGER)));
      expect(p.aggregates[0]?.totalCount).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('drops an aggregate without aggregation_key', () => {
      const { aggregation_key: _key, ...noKey } = validAggregate('k');
      const p = parse(payloadWith(noKey, validAggregate('good')));
      expect(p.aggregates.map((a) => a.key)).toEqual(['good']);
      expect(p.dropped).toEqual({ aggregate_invalid: 1 });
    });

    it('drops an aggregate with an empty aggregation_key', () => {
      const p = parse(payloadWith(validAggregate(''), validAggregate('good')));
      expect(p.dropped).toEqual({ aggregate_invalid: 1 });
    });

    it('drops items that are not objects', () => {
      const p = parse(payloadWith(null, 42, 'text', [validAggregate('nested')], validAggregate('good')));
      expect(p.aggregates.map((a) => a.key)).toEqual(['good']);
      expect(p.dropped).toEqual({ aggregate_invalid: 4 });
    });

    it('keeps the first of two aggregates with the same key and counts the duplicate', () => {
      const p = parse(payloadWith(validAggregate('k', 3), validAggregate('k', 9)));
      expect(summary(p).map((a) => a.count)).toEqual([3]);
      expect(p.dropped).toEqual({ aggregate_duplicate_key: 1 });
    });

    it('treats keys that are equal once truncated as duplicates', () => {
      const limits = limitsWith({ keyChars: 4 });
      const p = parseClientPayload(payloadWith(validAggregate('abcd-1'), validAggregate('abcd-2')), limits);
      expect(p.aggregates.map((a) => a.key)).toEqual([`abcd${TRUNCATION_MARK}`]);
      expect(p.dropped).toEqual({ aggregate_duplicate_key: 1 });
    });

    it('reads at most aggregatesPerPayload aggregates and counts the rest', () => {
      const limits = limitsWith({ aggregatesPerPayload: 2 });
      const p = parseClientPayload(payloadWith(...['a', 'b', 'c', 'd', 'e'].map((k) => validAggregate(k))), limits);
      expect(p.aggregates.map((a) => a.key)).toEqual(['a', 'b']);
      expect(p.dropped).toEqual({ aggregates_over_limit: 3 });
    });

    it('keeps at most samplesPerAggregate raw samples, the first ones', () => {
      const limits = limitsWith({ samplesPerAggregate: 2 });
      const samples = ['u1', 'u2', 'u3'].map((u, i) => rawSample(u, 1000 * (3 - i)));
      const p = parseClientPayload(payloadWith({ ...validAggregate('k'), latest_errors: samples }), limits);
      expect(p.aggregates[0]?.rawSamples.map(rawSampleUuid)).toEqual(['u1', 'u2']);
    });
  });

  describe('refusing unusable payloads', () => {
    it.each([
      ['null', null],
      ['a number', 42],
      ['a string', 'aggregated_errors'],
      ['a list', [validAggregate('k')]],
      ['an object whose aggregated_errors is not a list', { aggregated_errors: { k: 1 } }],
    ])('throws PayloadError for %s', (_name, json) => {
      expect(() => parse(json)).toThrow(PayloadError);
    });

    it('gives the PayloadError a stable code', () => {
      try {
        parse(null);
        expect.unreachable();
      } catch (err) {
        expect((err as PayloadError).code).toBe('CN_ERR_PAYLOAD');
      }
    });
  });
});

describe('parseRawOccurrence', () => {
  describe('reading samples of Periskop clients', () => {
    it("reads the Go client's sample, with a null request_body as ''", () => {
      expect(fixtureSample('periskop-go-exporter-sample.json', 0, 0)).toEqual({
        uuid: '5d9893c6-51d6-11ea-8aad-f894c260afe5',
        timestamp: Date.UTC(2020, 1, 17, 22, 42, 45),
        severity: 'error',
        chain: [{ class: 'testing', message: '', stacktrace: ['line 12:', 'syntax error'] }],
        http: { method: 'GET', url: 'http://example.com', headers: { 'Cache-Control': 'no-cache' }, body: '' },
      });
    });

    it("reads the Python client's sample with its placeholder stack trace", () => {
      const o = fixtureSample('periskop-python-exporter-sample.json', 0, 0);
      expect(o?.chain).toEqual([{ class: 'Exception', message: 'test', stacktrace: ['NoneType: None'] }]);
      expect(o?.timestamp).toBe(Date.UTC(2019, 9, 11, 12, 47, 25, 595));
    });

    it("flattens the Scala client's cause chain into chain, the error first", () => {
      const o = fixtureSample('periskop-scala-exporter-sample.json', 0, 0);
      const cls = 'io.github.periskopdev.periskop.client.ExceptionExporterSpec$FakeException';
      expect(o?.chain).toEqual([
        { class: cls, message: 'foo1', stacktrace: ['kls.mthd(file:1)', 'kls.mthd(file:2)'] },
        { class: cls, message: 'foo1parent', stacktrace: ['kls.mthd(file:1)', 'kls.mthd(file:2)'] },
      ]);
      expect(o?.http).toEqual({ method: 'POST', url: 'http://foo.com/boo', headers: { 'User-Agent': 'Foobrowser', Accept: 'text/html' }, body: 'body' });
    });

    it('reads a null http_context as null', () => {
      expect(fixtureSample('periskop-scala-exporter-sample.json', 0, 2)?.http).toBeNull();
    });

    it("reads the push gateway request's sample", () => {
      const o = fixtureSample('pushgateway-push-request.json', 0, 0);
      expect(o?.uuid).toBe('5d9893c6-51d6-11ea-8aad-f894c260afe5');
      expect(o?.http?.body).toBe('');
    });
  });

  describe('normalising fields', () => {
    it('keeps a null stacktrace null, unlike an empty one', () => {
      const none = parseRawOccurrence(rawSample('u', 0, { error: { class: 'E', message: 'm', stacktrace: null, cause: null } }), DEFAULT_LIMITS);
      const empty = parseRawOccurrence(rawSample('u', 0, { error: { class: 'E', message: 'm', stacktrace: [], cause: null } }), DEFAULT_LIMITS);
      expect(none?.chain[0]?.stacktrace).toBeNull();
      expect(empty?.chain[0]?.stacktrace).toEqual([]);
    });

    it("reads a null class and message as ''", () => {
      const o = parseRawOccurrence(rawSample('u', 0, { error: { class: null, message: null, stacktrace: null, cause: null } }), DEFAULT_LIMITS);
      expect(o?.chain).toEqual([{ class: '', message: '', stacktrace: null }]);
    });

    it('reads nanosecond timestamps to the millisecond', () => {
      const o = parseRawOccurrence({ ...rawSample('u', 0), timestamp: '2021-09-03T13:58:15.932289427Z' }, DEFAULT_LIMITS);
      expect(o?.timestamp).toBe(1630677495932);
    });

    it('reads an unparseable timestamp as unknown (0)', () => {
      expect(parseRawOccurrence({ ...rawSample('u', 0), timestamp: 'soon' }, DEFAULT_LIMITS)?.timestamp).toBe(0);
    });

    it('reads the severity in any case, unknown as error', () => {
      expect(parseRawOccurrence({ ...rawSample('u', 0), severity: 'INFO' }, DEFAULT_LIMITS)?.severity).toBe('info');
      expect(parseRawOccurrence({ ...rawSample('u', 0), severity: 7 }, DEFAULT_LIMITS)?.severity).toBe('error');
    });

    it('drops sensitive headers whatever their case', () => {
      const http = {
        request_method: 'GET', request_url: '/', request_body: null,
        request_headers: { Cookie: 'c', authorization: 'Bearer x', 'Set-Cookie': 's', 'X-API-Key': 'k', 'Proxy-Authorization': 'p', Accept: 'text/html' },
      };
      const o = parseRawOccurrence(rawSample('u', 0, { http_context: http }), DEFAULT_LIMITS);
      expect(o?.http?.headers).toEqual({ Accept: 'text/html' });
    });

    it('drops headers whose value is not a string', () => {
      const http = { request_method: 'GET', request_url: '/', request_body: null, request_headers: { A: 'a', B: 1, C: null, D: ['x'] } };
      expect(parseRawOccurrence(rawSample('u', 0, { http_context: http }), DEFAULT_LIMITS)?.http?.headers).toEqual({ A: 'a' });
    });

    it('keeps null request_headers null', () => {
      const http = { request_method: 'GET', request_url: '/', request_body: 'b', request_headers: null };
      expect(parseRawOccurrence(rawSample('u', 0, { http_context: http }), DEFAULT_LIMITS)?.http).toEqual({ method: 'GET', url: '/', headers: null, body: 'b' });
    });

    it("reads a request_body that is not a string as ''", () => {
      const http = { request_method: 'POST', request_url: '/', request_headers: null, request_body: { json: true } };
      expect(parseRawOccurrence(rawSample('u', 0, { http_context: http }), DEFAULT_LIMITS)?.http?.body).toBe('');
    });

    it('reads an http_context that is not an object as null', () => {
      expect(parseRawOccurrence(rawSample('u', 0, { http_context: 'GET /' }), DEFAULT_LIMITS)?.http).toBeNull();
    });

    it('lets a header named __proto__ pollute nothing', () => {
      const raw = JSON.parse(
        '{"uuid":"u","timestamp":null,"severity":"error","error":{"class":"E","message":"","stacktrace":null,"cause":null},' +
          '"http_context":{"request_method":"GET","request_url":"/","request_body":null,"request_headers":{"__proto__":{"polluted":"yes"},"Accept":"*/*"}}}',
      ) as unknown;
      const headers = parseRawOccurrence(raw, DEFAULT_LIMITS)?.http?.headers;
      expect(headers?.['Accept']).toBe('*/*');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((headers as Record<string, unknown> | null | undefined)?.['polluted']).toBeUndefined();
    });
  });

  describe('applying limits', () => {
    it('cuts a 10,000-deep cause chain at causeDepth and marks the cut, without overflowing the stack', () => {
      const o = parseRawOccurrence(rawSample('u', 0, { error: deepError(10_000) }), DEFAULT_LIMITS);
      expect(o?.chain).toHaveLength(DEFAULT_LIMITS.causeDepth + 1);
      expect(o?.chain.at(-1)?.message).toBe(`level ${DEFAULT_LIMITS.causeDepth} [cause chain truncated at ${DEFAULT_LIMITS.causeDepth}]`);
    });

    it('keeps a chain of exactly causeDepth causes whole and unmarked', () => {
      const o = parseRawOccurrence(rawSample('u', 0, { error: deepError(DEFAULT_LIMITS.causeDepth + 1) }), DEFAULT_LIMITS);
      expect(o?.chain.map((e) => e.message)).toEqual(Array.from({ length: DEFAULT_LIMITS.causeDepth + 1 }, (_, i) => `level ${i}`));
    });

    it('stops the chain at a cause that is not an object', () => {
      const o = parseRawOccurrence(rawSample('u', 0, { error: { class: 'E', message: 'm', stacktrace: null, cause: 'because' } }), DEFAULT_LIMITS);
      expect(o?.chain).toHaveLength(1);
    });

    it('truncates an oversized class and message and marks them', () => {
      const limits = limitsWith({ classChars: 3, messageChars: 5 });
      const o = parseRawOccurrence(rawSample('u', 0, { error: { class: 'LongClass', message: 'a long message', stacktrace: null, cause: null } }), limits);
      expect(o?.chain[0]).toMatchObject({ class: `Lon${TRUNCATION_MARK}`, message: `a lon${TRUNCATION_MARK}` });
    });

    it('truncates long stack lines and keeps at most stackLines, saying how many were left out', () => {
      const limits = limitsWith({ stackLines: 2, stackLineChars: 4 });
      const o = parseRawOccurrence(rawSample('u', 0, { error: { class: 'E', message: '', stacktrace: ['abcdef', 'xy', 'c', 'd', 'e'], cause: null } }), limits);
      expect(o?.chain[0]?.stacktrace).toEqual([`abcd${TRUNCATION_MARK}`, 'xy', `${TRUNCATION_MARK} 3 more lines`]);
    });

    it('skips stack lines that are not strings', () => {
      const o = parseRawOccurrence(rawSample('u', 0, { error: { class: 'E', message: '', stacktrace: ['a', 1, null, 'b'], cause: null } }), DEFAULT_LIMITS);
      expect(o?.chain[0]?.stacktrace).toEqual(['a', 'b']);
    });

    it('truncates an oversized request body and url', () => {
      const limits = limitsWith({ requestBodyChars: 3, urlChars: 8 });
      const http = { request_method: 'POST', request_url: 'http://example.com/', request_headers: null, request_body: 'abcdef' };
      const o = parseRawOccurrence(rawSample('u', 0, { http_context: http }), limits);
      expect(o?.http).toMatchObject({ url: `http://e${TRUNCATION_MARK}`, body: `abc${TRUNCATION_MARK}` });
    });

    it('keeps at most `headers` headers and truncates long values', () => {
      const limits = limitsWith({ headers: 2, headerChars: 3 });
      const http = { request_method: 'GET', request_url: '/', request_body: null, request_headers: { A: 'aaaa', B: 'b', C: 'c' } };
      expect(parseRawOccurrence(rawSample('u', 0, { http_context: http }), limits)?.http?.headers).toEqual({ A: `aaa${TRUNCATION_MARK}`, B: 'b' });
    });

    it('truncates an oversized uuid', () => {
      const limits = limitsWith({ uuidChars: 4 });
      expect(parseRawOccurrence(rawSample('uuid-very-long', 0), limits)?.uuid).toBe(`uuid${TRUNCATION_MARK}`);
    });
  });

  describe('refusing unusable samples', () => {
    it.each([
      ['a sample without uuid', (() => { const { uuid: _u, ...rest } = rawSample('u', 0); return rest; })()],
      ['a sample with an empty uuid', rawSample('', 0)],
      ['a sample with a numeric uuid', { ...rawSample('u', 0), uuid: 42 }],
      ['a sample whose error is not an object', rawSample('u', 0, { error: 'boom' })],
      ['a sample whose error is null', rawSample('u', 0, { error: null })],
      ['null', null],
      ['a string', 'sample'],
    ])('returns undefined for %s', (_name, raw) => {
      expect(parseRawOccurrence(raw, DEFAULT_LIMITS)).toBeUndefined();
    });
  });
});

describe('parseHeaders', () => {
  it('keeps a header named __proto__ as a plain header', () => {
    const headers = parseHeaders(JSON.parse('{"__proto__":"x","Accept":"*/*"}') as Record<string, unknown>, DEFAULT_LIMITS);
    expect(Object.keys(headers ?? {})).toEqual(['__proto__', 'Accept']);
    expect(headers?.['__proto__']).toBe('x');
  });

  it('does not count dropped headers against the limit', () => {
    const headers = parseHeaders({ Cookie: 'c', A: 'a', B: 'b' }, limitsWith({ headers: 2 }));
    expect(headers).toEqual({ A: 'a', B: 'b' });
  });
});

describe('rawSampleUuid', () => {
  it('reads the uuid without parsing the rest', () => {
    expect(rawSampleUuid({ uuid: 'u1', error: 'not even an object' })).toBe('u1');
  });

  it.each([[null], [{}], [{ uuid: '' }], [{ uuid: 7 }], ['u1']])('returns undefined for %j', (raw) => {
    expect(rawSampleUuid(raw)).toBeUndefined();
  });
});

describe('untrusted input', () => {
  const anything = fc.anything({
    withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true,
    withNullPrototype: true, withSparseArray: true, withTypedArray: true, withObjectString: true,
  });
  const orAnything = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anything);
  const smallLimits = limitsWith({ causeDepth: 2, stackLines: 2, stackLineChars: 4, headers: 2, headerChars: 4, classChars: 4, messageChars: 4, keyChars: 4, uuidChars: 4, requestBodyChars: 4, urlChars: 4 });

  const { error: errorArb } = fc.letrec<{ error: unknown }>((tie) => ({
    error: fc.record(
      {
        class: orAnything(fc.string()),
        message: orAnything(fc.string()),
        stacktrace: orAnything(fc.array(orAnything(fc.string()), { maxLength: 4 })),
        cause: fc.oneof({ depthSize: 'small' }, fc.constant(null), tie('error'), anything),
      },
      { requiredKeys: [] },
    ),
  }));
  const sampleArb = fc.record(
    {
      error: orAnything(errorArb),
      uuid: orAnything(fc.string()),
      timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.double(), fc.integer(), anything),
      severity: orAnything(fc.constantFrom('info', 'warning', 'error', 'WARN')),
      http_context: orAnything(fc.record(
        {
          request_method: orAnything(fc.string()),
          request_url: orAnything(fc.string()),
          request_headers: orAnything(fc.dictionary(fc.string(), orAnything(fc.string()))),
          request_body: orAnything(fc.string()),
        },
        { requiredKeys: [] },
      )),
    },
    { requiredKeys: [] },
  );
  const aggregateArb = fc.record(
    {
      aggregation_key: orAnything(fc.string()),
      total_count: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.maxSafeNat(), anything),
      severity: orAnything(fc.constantFrom('info', 'warning', 'error')),
      created_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything),
      latest_errors: orAnything(fc.array(orAnything(sampleArb), { maxLength: 3 })),
    },
    { requiredKeys: [] },
  );
  const payloadArb = fc.oneof(
    anything,
    fc.jsonValue(),
    fc.record({ target_uuid: orAnything(fc.string()), aggregated_errors: orAnything(fc.array(orAnything(aggregateArb), { maxLength: 4 })) }, { requiredKeys: [] }),
  );

  it('parseClientPayload throws nothing but PayloadError, and every count it returns is a non-negative safe integer', () => {
    fc.assert(
      fc.property(payloadArb, (json) => {
        let parsed: ParsedPayload;
        try {
          parsed = parseClientPayload(json, smallLimits);
        } catch (err) {
          expect(err).toBeInstanceOf(PayloadError);
          return;
        }
        for (const a of parsed.aggregates) {
          expect(Number.isSafeInteger(a.totalCount) && a.totalCount >= 0).toBe(true);
          expect(typeof a.key === 'string' && a.key.length > 0).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('parseRawOccurrence never throws and returns only well-formed occurrences', () => {
    fc.assert(
      fc.property(orAnything(sampleArb), (raw) => {
        const o = parseRawOccurrence(raw, smallLimits);
        if (o !== undefined) {
          expect(o.chain.length).toBeGreaterThanOrEqual(1);
          expect(o.chain.length).toBeLessThanOrEqual(smallLimits.causeDepth + 1);
          expect(Number.isInteger(o.timestamp) && o.timestamp >= 0).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('parseRawOccurrence turns every well-formed sample into something the federation schema accepts', () => {
    const wellFormed = fc.record({
      error: errorArb.filter((e) => typeof e === 'object' && e !== null),
      uuid: fc.string({ minLength: 1 }),
      timestamp: fc.date({ noInvalidDate: true, min: new Date(1), max: new Date(8.64e15) }).map((d) => d.toISOString()),
      severity: fc.constantFrom('info', 'warning', 'error'),
      http_context: fc.constant(null),
    });
    fc.assert(
      fc.property(wellFormed, (raw) => {
        const o = parseRawOccurrence(raw, smallLimits);
        if (o !== undefined) expect(OccurrenceSchema.safeParse(o).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('limits, accounting and truncation notes (properties)', () => {
  const limits = limitsWith({ causeDepth: 2, stackLines: 3, stackLineChars: 6, headers: 2, headerChars: 5, classChars: 5, messageChars: 7, keyChars: 5, uuidChars: 6, requestBodyChars: 5, urlChars: 5, aggregatesPerPayload: 4, samplesPerAggregate: 2 });
  const MARK = TRUNCATION_MARK.length;
  const text = fc.string({ maxLength: 12 });
  const errorArb = fc.letrec<{ error: Record<string, unknown> }>((tie) => ({
    error: fc.record({
      class: text,
      message: text,
      stacktrace: fc.array(text, { maxLength: 6 }),
      cause: fc.oneof({ depthSize: 'small' }, fc.constant(null), tie('error')),
    }),
  })).error;
  const sampleArb = fc.record({
    error: errorArb,
    uuid: fc.string({ minLength: 1, maxLength: 10 }),
    timestamp: fc.constant('2024-01-01T00:00:00Z'),
    http_context: fc.record({ request_method: text, request_url: text, request_headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), text, { maxKeys: 4 }), request_body: text }),
  });
  const aggregateArb = fc.oneof(
    fc.record({ aggregation_key: fc.string({ minLength: 1, maxLength: 8 }), total_count: fc.nat(), latest_errors: fc.array(sampleArb, { maxLength: 3 }) }),
    fc.record({ aggregation_key: fc.anything(), total_count: fc.oneof(fc.integer({ min: -5, max: -1 }), fc.double({ noInteger: true }), fc.string()) }),
    fc.anything(),
  );

  it('keeps every aggregate or counts it as dropped, never losing one silently', () => {
    fc.assert(fc.property(fc.array(aggregateArb, { maxLength: 8 }), (list) => {
      const p = parseClientPayload({ aggregated_errors: list }, limits);
      const dropped = Object.values(p.dropped).reduce((n, v) => n + (v ?? 0), 0);
      expect(p.aggregates.length + dropped).toBe(list.length);
      expect(p.aggregates.length).toBeLessThanOrEqual(limits.aggregatesPerPayload);
    }), { numRuns: 300 });
  });

  it('counts each key it cuts, and never returns a key longer than keyChars plus the mark', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 4 }), (keys) => {
      const p = parseClientPayload({ aggregated_errors: keys.map((k) => ({ aggregation_key: k, total_count: 1 })) }, limits);
      for (const a of p.aggregates) expect(a.key.length).toBeLessThanOrEqual(limits.keyChars + MARK);
      const cut = p.aggregates.filter((a) => a.key.endsWith(TRUNCATION_MARK)).length;
      expect(p.truncated?.key_truncated ?? 0).toBe(cut);
    }), { numRuns: 300 });
  });

  it('keeps every string of an occurrence within its limit, and notes a cut whenever one was made', () => {
    fc.assert(fc.property(sampleArb, (raw) => {
      const notes: TruncationNotes = {};
      const o = parseRawOccurrence(raw, limits, notes);
      expect(o).toBeDefined();
      if (o === undefined) return;
      let cuts = 0;
      const within = (s: string, max: number) => {
        expect(s.length).toBeLessThanOrEqual(max + MARK);
        if (s.length > max) cuts++;
      };
      for (const d of o.chain) {
        within(d.class, limits.classChars);
        within(d.message.replace(/ \[cause chain truncated at \d+\]$/, ''), limits.messageChars);
        const lines = d.stacktrace ?? [];
        expect(lines.length).toBeLessThanOrEqual(limits.stackLines + 1);
        for (const line of lines.slice(0, limits.stackLines)) within(line, limits.stackLineChars);
      }
      expect(o.chain.length).toBeLessThanOrEqual(limits.causeDepth + 1);
      within(o.http?.url ?? '', limits.urlChars);
      within(o.http?.body ?? '', limits.requestBodyChars);
      expect(Object.keys(o.http?.headers ?? {}).length).toBeLessThanOrEqual(limits.headers);
      for (const v of Object.values(o.http?.headers ?? {})) within(v, limits.headerChars);
      if (cuts > 0) expect(notes.field_truncated ?? 0).toBeGreaterThanOrEqual(cuts);
      if (o.chain.some((d) => d.message.endsWith(`[cause chain truncated at ${limits.causeDepth}]`))) expect(notes.cause_chain_truncated).toBe(1);
    }), { numRuns: 300 });
  });

  it('notes nothing for a sample within every limit', () => {
    const notes: TruncationNotes = {};
    parseRawOccurrence({ uuid: 'u', error: { class: 'E', message: 'm', stacktrace: ['a'] } }, limits, notes);
    expect(notes).toEqual({});
  });
});
