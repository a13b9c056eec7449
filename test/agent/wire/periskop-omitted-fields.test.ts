import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { parseClientPayload, parseRawOccurrence } from '../../../agent/wire/client-payload.js';
import { periskopFixture } from '../../helpers/builders.js';

/**
 * Periskop clients leave fields out rather than sending null: `created_at` and `severity` of an
 * aggregate, `cause`/`class`/`stacktrace` of an error, `http_context` of a sample, `request_body` and
 * `request_headers` of a request. Each must read as its "unknown" value, never drop the item.
 */
const parse = (json: unknown) => parseClientPayload(json, DEFAULT_LIMITS);
const sampleOf = (file: string, aggregate: number, sample: number) =>
  parseRawOccurrence(parse(periskopFixture(file)).aggregates[aggregate]?.rawSamples[sample], DEFAULT_LIMITS);
const MOCK = 'periskop-mocktarget-errors.json';

describe('reading what Periskop clients leave out', () => {
  it("reads every aggregate of Periskop's mock target, one without created_at", () => {
    const p = parse(periskopFixture(MOCK));
    expect(p.targetUuid).toBe('8589E8C9-86B6-4B50-B70E-8ABFA4B588A3');
    expect(p.aggregates.map((a) => ({ key: a.key, count: a.totalCount, severity: a.severity, createdAt: a.createdAt }))).toEqual([
      { key: 'java.lang.Run/ timeException@123', count: 260, severity: 'error', createdAt: Date.UTC(2020, 9, 8, 12, 46, 25, 595) },
      { key: 'java.lang.Exception@456', count: 440, severity: 'warning', createdAt: Date.UTC(2019, 8, 11, 11, 46, 25, 333) },
      { key: 'java.lang.Exception@496', count: 440, severity: 'warning', createdAt: 0 },
      { key: 'java.lang.Exception@789', count: 11, severity: 'warning', createdAt: Date.UTC(2019, 8, 11, 11, 46, 25, 333) },
      { key: 'info-message', count: 1, severity: 'info', createdAt: Date.UTC(2019, 8, 15, 11, 46, 25, 333) },
    ]);
    expect(p.dropped).toEqual({});
  });

  it('reads an aggregate without severity as error', () => {
    const p = parse({ aggregated_errors: [{ aggregation_key: 'k', total_count: 1, created_at: '2020-02-17T22:42:45Z', latest_errors: [] }] });
    expect(p.aggregates.map((a) => a.severity)).toEqual(['error']);
  });

  it('reads a sample without http_context, flattening its cause chain', () => {
    expect(sampleOf(MOCK, 0, 0)).toEqual({
      uuid: 'e81e56ff-7f65-4279-817f-dd607585b9e0',
      timestamp: Date.UTC(2020, 9, 9, 12, 46, 25, 595),
      severity: 'error',
      chain: [
        { class: 'java.lang.RuntimeException', message: 'Nooooes!', stacktrace: [] },
        { class: 'java.lang.CauseException', message: 'I caused this', stacktrace: [] },
      ],
      http: null,
    });
  });

  it("reads a request without request_body as body ''", () => {
    expect(sampleOf(MOCK, 0, 1)?.http).toEqual({
      method: 'GET', url: 'http://badrequest.org/another-endpoint', headers: { accept: 'application/json', host: 'badrequest.org' }, body: '',
    });
  });

  it('keeps a request body that holds JSON, or garbage, as text', () => {
    expect(sampleOf(MOCK, 1, 0)?.http?.body).toBe('{"params":[{"param1":"true"},{"param2":5}]}');
    expect(sampleOf(MOCK, 2, 0)?.http?.body).toBe('{"params"what:happened["}hereparam1":"true"},{"param2":5}]}');
  });

  it('reads a request without request_headers as headers null', () => {
    expect(sampleOf(MOCK, 3, 0)?.http).toEqual({ method: 'GET', url: 'http://badrequest.org/another-endpoint', headers: null, body: '' });
  });

  it("reads an error with only a message as class '' and stacktrace null", () => {
    expect(sampleOf(MOCK, 4, 0)?.chain).toEqual([{ class: '', message: 'Something not so bad', stacktrace: null }]);
    expect(sampleOf('periskop-scala-exporter-sample.json', 2, 0)?.chain).toEqual([{ class: '', message: 'some info', stacktrace: null }]);
  });

  it("reads the scraper samples' requests, which have no request_body", () => {
    const o = sampleOf('periskop-scraper-sample-response1.json', 0, 0);
    expect(o?.http).toEqual({ method: 'GET', url: 'http://url', headers: { Key: 'value' }, body: '' });
    expect(o?.timestamp).toBe(Date.UTC(2018, 8, 13, 16, 23, 30, 630));
  });

  it('reads a sample without timestamp or severity as unknown time and error', () => {
    const o = parseRawOccurrence({ uuid: 'u', error: { class: 'E', message: 'm' } }, DEFAULT_LIMITS);
    expect(o).toEqual({ uuid: 'u', timestamp: 0, severity: 'error', chain: [{ class: 'E', message: 'm', stacktrace: null }], http: null });
  });
});
