import { describe, expect, it } from 'vitest';
import { mapSentryEvent, severityOfLevel, stackLines } from '../../../../agent/ingest/sentry/event-mapping.js';
import { type SentryEvent, SentryEventSchema } from '../../../../agent/ingest/sentry/sentry-schema.js';
import { parseRawOccurrence } from '../../../../agent/wire/client-payload.js';
import { limitsWith } from '../../../helpers/builders.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
const LIMITS = limitsWith();
const ID = '5c9ee60aecf043f181ec3eaa004b5ddb';

const frame = (fn: string, file: string, line: number, inApp = true) => ({ function: fn, filename: file, module: file.replace(/^.*\//, '').replace(/\.js$/, ''), lineno: line, colno: 7, in_app: inApp });
const event = (e: Record<string, unknown>): SentryEvent => SentryEventSchema.parse({ event_id: ID, timestamp: NOW / 1000 - 1, ...e });
const map = (e: Record<string, unknown>) => mapSentryEvent(event(e), NOW, LIMITS);
/** The occurrence the agent keeps, after the wire parser applied the limits. */
const occurrenceOf = (e: Record<string, unknown>) => parseRawOccurrence(map(e).sample, LIMITS);

/** What @sentry/node 10 sends for `new Error('checkout failed', {cause: new RangeError('quantity', {cause: new Error('db timeout')})})`. */
const causeEvent = {
  level: 'error',
  platform: 'node',
  exception: {
    values: [
      { type: 'Error', value: 'db timeout', stacktrace: { frames: [frame('main', '/app/src/main.js', 10), frame('query', '/app/src/db.js', 3)] }, mechanism: { type: 'chained', source: 'cause', exception_id: 2, parent_id: 1 } },
      { type: 'RangeError', value: 'quantity', stacktrace: { frames: [frame('main', '/app/src/main.js', 10), frame('check', '/app/src/cart.js', 5)] }, mechanism: { type: 'chained', source: 'cause', exception_id: 1, parent_id: 0 } },
      { type: 'Error', value: 'checkout failed', stacktrace: { frames: [frame('run', 'node:internal/run_main', 1, false), frame('main', '/app/src/main.js', 10), frame('checkout', '/app/src/checkout.js', 42)] }, mechanism: { type: 'generic', exception_id: 0 } },
    ],
  },
};

describe('mapSentryEvent', () => {
  it('maps an exception with its whole cause chain, the error itself first', () => {
    const o = occurrenceOf(causeEvent);
    expect(o?.chain.map((c) => [c.class, c.message])).toEqual([['Error', 'checkout failed'], ['RangeError', 'quantity'], ['Error', 'db timeout']]);
    expect(o?.uuid).toBe(ID);
    expect(o?.severity).toBe('error');
    expect(o?.timestamp).toBe(NOW - 1000);
  });

  it('writes stack lines newest frame first', () => {
    const o = occurrenceOf(causeEvent);
    expect(o?.chain[0]?.stacktrace).toEqual(['at checkout (/app/src/checkout.js:42:7)', 'at main (/app/src/main.js:10:7)', 'at run (node:internal/run_main:1:7)']);
  });

  it('follows exception_id and parent_id even when the list is not in order', () => {
    const shuffled = { exception: { values: [causeEvent.exception.values[2], causeEvent.exception.values[0], causeEvent.exception.values[1]] } };
    expect(occurrenceOf(shuffled)?.chain.map((c) => c.message)).toEqual(['checkout failed', 'quantity', 'db timeout']);
  });

  it('reads a list without mechanism ids as oldest first, and the legacy bare list', () => {
    const values = [{ type: 'IOError', value: 'root' }, { type: 'ServiceError', value: 'top' }];
    expect(occurrenceOf({ exception: { values } })?.chain.map((c) => c.message)).toEqual(['top', 'root']);
    expect(occurrenceOf({ exception: values })?.chain.map((c) => c.message)).toEqual(['top', 'root']);
  });

  it('follows the cause branch of an exception group and survives a cycle of ids', () => {
    const values = [
      { type: 'E', value: 'second', mechanism: { exception_id: 2, parent_id: 0, source: 'errors[1]' } },
      { type: 'E', value: 'cause', mechanism: { exception_id: 1, parent_id: 0, source: 'cause' } },
      { type: 'AggregateError', value: 'group', mechanism: { exception_id: 0, is_exception_group: true } },
    ];
    expect(occurrenceOf({ exception: { values } })?.chain.map((c) => c.message)).toEqual(['group', 'cause']);
    const cycle = [{ type: 'A', value: 'a', mechanism: { exception_id: 0, parent_id: 1 } }, { type: 'B', value: 'b', mechanism: { exception_id: 1, parent_id: 0 } }];
    expect(occurrenceOf({ exception: { values: cycle } })?.chain.length).toBeGreaterThan(0);
  });

  it('prefixes the class with the module, except the built-in ones', () => {
    expect(map({ exception: { values: [{ type: 'RuntimeException', module: 'java.lang', value: 'x' }] } }).sample.error.class).toBe('java.lang.RuntimeException');
    expect(map({ exception: { values: [{ type: 'ValueError', module: 'builtins', value: 'x' }] } }).sample.error.class).toBe('ValueError');
    expect(map({ exception: { values: [{ type: 'a.B', module: 'a', value: 'x' }] } }).sample.error.class).toBe('a.B');
  });

  it('maps captureMessage to class Message with the formatted text, at its level', () => {
    const m = map({ level: 'warning', message: 'disk almost full' });
    expect([m.sample.error.class, m.sample.error.message, m.severity]).toEqual(['Message', 'disk almost full', 'warning']);
    expect(m.sample.error.stacktrace).toBeNull();
    const l = map({ level: 'info', logentry: { message: 'user %s logged in', formatted: 'user 7 logged in', params: ['7'] } });
    expect([l.sample.error.class, l.sample.error.message, l.severity]).toEqual(['Message', 'user 7 logged in', 'info']);
  });

  it('groups messages by their template, not their parameters', () => {
    const a = map({ logentry: { message: 'user %s logged in', formatted: 'user 7 logged in' } });
    const b = map({ logentry: { message: 'user %s logged in', formatted: 'user 8 logged in' } });
    expect(a.key).toBe(b.key);
    expect(a.key).toMatch(/^Message@[0-9a-f]{12}$/);
  });

  it('maps Sentry levels onto the three Periskop severities', () => {
    expect(['fatal', 'error', 'warning', 'info', 'log', 'debug', undefined, 'weird'].map((l) => severityOfLevel(l))).toEqual(['error', 'error', 'warning', 'info', 'info', 'info', 'error', 'error']);
  });

  it('keeps the HTTP request without sensitive headers, with its query and body', () => {
    const o = occurrenceOf({
      ...causeEvent,
      request: {
        method: 'POST', url: 'http://shop.test/orders/42', query_string: 'expand=items',
        headers: { 'Content-Type': 'application/json', Cookie: 'a=b', Authorization: 'Bearer x', 'X-Api-Key': 'k', 'Set-Cookie': 'c', 'X-Request-Id': 'r1' },
        data: { order: 42 },
      },
    });
    expect(o?.http).toEqual({ method: 'POST', url: 'http://shop.test/orders/42?expand=items', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'r1' }, body: '{"order":42}' });
  });

  it('reads headers and query given as pairs, and keeps a URL that already has its query', () => {
    const o = occurrenceOf({ message: 'm', request: { method: 'GET', url: 'http://x/?a=1', query_string: [['a', '1']], headers: [['Accept', 'text/html'], ['cookie', 'secret'], [1, 2]] } });
    expect(o?.http).toEqual({ method: 'GET', url: 'http://x/?a=1', headers: { Accept: 'text/html' }, body: '' });
  });

  it('normalises the event id, takes the envelope header id or draws one when it has none', () => {
    expect(mapSentryEvent(SentryEventSchema.parse({ event_id: '5C9EE60A-ECF0-43F1-81EC-3EAA004B5DDB' }), NOW, LIMITS).eventId).toBe(ID);
    expect(mapSentryEvent(SentryEventSchema.parse({}), NOW, LIMITS, ID).eventId).toBe(ID);
    expect(mapSentryEvent(SentryEventSchema.parse({ event_id: 'nope' }), NOW, LIMITS).eventId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('dates an event without a timestamp, or from the future, when it was received', () => {
    expect(mapSentryEvent(SentryEventSchema.parse({ message: 'm' }), NOW, LIMITS).timestamp).toBe(NOW);
    expect(map({ message: 'm', timestamp: NOW / 1000 + 3600 }).timestamp).toBe(NOW);
    expect(map({ message: 'm', timestamp: '2025-01-02T03:04:00.250Z' }).timestamp).toBe(Date.UTC(2025, 0, 2, 3, 4, 0, 250));
  });

  it('tolerates fields of the wrong type', () => {
    const m = map({ level: 7, message: ['x'], exception: { values: [{ type: 5, value: null, stacktrace: { frames: [null, 'x', { lineno: 'a', function: 3 }] } }] }, request: 'r', fingerprint: 'f' });
    expect(m.sample.error.class).toBe('Error');
    expect(m.severity).toBe('error');
    expect(m.sample.http_context).toBeNull();
  });

  it('cuts the cause chain at the configured depth, marking the cut', () => {
    const values = Array.from({ length: 30 }, (_, i) => ({ type: `E${i}`, value: `v${i}` }));
    const o = parseRawOccurrence(mapSentryEvent(event({ exception: { values } }), NOW, limitsWith({ causeDepth: 3 })).sample, limitsWith({ causeDepth: 3 }));
    expect(o?.chain.map((c) => c.class)).toEqual(['E29', 'E28', 'E27', 'E26']);
    expect(o?.chain[3]?.message).toMatch(/cause chain truncated at 3/);
  });

  it('keeps the newest stack lines and says how many older ones were cut', () => {
    const frames = Array.from({ length: 500 }, (_, i) => frame(`f${i}`, '/app/a.js', i));
    const o = parseRawOccurrence(mapSentryEvent(event({ exception: { values: [{ type: 'E', stacktrace: { frames } }] } }), NOW, limitsWith({ stackLines: 10 })).sample, limitsWith({ stackLines: 10 }));
    expect(o?.chain[0]?.stacktrace?.slice(0, 2)).toEqual(['at f499 (/app/a.js:499:7)', 'at f498 (/app/a.js:498:7)']);
    expect(o?.chain[0]?.stacktrace?.[10]).toMatch(/490 more lines/);
  });
});

describe('grouping', () => {
  const withFrames = (type: string, frames: unknown[], value = 'boom') => ({ exception: { values: [{ type, value, stacktrace: { frames } }] } });

  it('ignores line numbers, values and install paths, so the same bug is one group across deploys', () => {
    const a = map(withFrames('TypeError', [{ function: 'main', module: 'main', filename: '/srv/v1/main.js', lineno: 10, in_app: true }], 'order 1'));
    const b = map(withFrames('TypeError', [{ function: 'main', module: 'main', filename: '/srv/v2/main.js', lineno: 99, in_app: true }], 'order 2'));
    expect(a.key).toBe(b.key);
    expect(a.key).toMatch(/^TypeError@[0-9a-f]{12}$/);
  });

  it('groups by in-app frames only when some frame is in-app', () => {
    const app = { function: 'handler', filename: '/app/h.js', in_app: true };
    const a = map(withFrames('E', [{ function: 'x', filename: '/lib/x.js', in_app: false }, app]));
    const b = map(withFrames('E', [{ function: 'y', filename: '/lib/y.js', in_app: false }, app]));
    const c = map(withFrames('E', [{ function: 'y', filename: '/lib/y.js', in_app: false }, { ...app, function: 'other' }]));
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });

  it('separates types and cause chains, and groups frame-less exceptions by value', () => {
    expect(map(withFrames('A', [])).key).not.toBe(map(withFrames('B', [])).key);
    expect(map(withFrames('A', [], 'x')).key).not.toBe(map(withFrames('A', [], 'y')).key);
    const withCause = { exception: { values: [{ type: 'Root', value: 'r' }, { type: 'A', value: 'boom' }] } };
    expect(map(withCause).key).not.toBe(map(withFrames('A', [])).key);
  });

  it('tells anonymous frames (top-level code) apart by their source line', () => {
    const at = (line: string) => map(withFrames('Error', [{ function: '?', module: 'job', filename: '/app/job.js', context_line: line, in_app: true }]));
    expect(at("  throw new Error('a');").key).not.toBe(at("  throw new Error('b');").key);
    expect(at("  throw new Error('a');").key).toBe(at("throw new Error('a');   ").key);
  });

  it('uses an explicit fingerprint, with {{ default }} standing for the default grouping', () => {
    const base = withFrames('E', [{ function: 'f', filename: 'a.js', in_app: true }]);
    const other = withFrames('E', [{ function: 'g', filename: 'b.js', in_app: true }]);
    expect(map({ ...base, fingerprint: ['payments'] }).key).toBe(map({ ...other, fingerprint: ['payments'] }).key);
    expect(map({ ...base, fingerprint: ['{{ default }}', 'tenant-7'] }).key).not.toBe(map({ ...other, fingerprint: ['{{ default }}', 'tenant-7'] }).key);
    expect(map({ ...base, fingerprint: ['{{default}}', 'tenant-7'] }).key).toBe(map({ ...base, fingerprint: ['{{ default }}', 'tenant-7'] }).key);
    expect(map({ ...base, fingerprint: ['{{ default }}', 'tenant-7'] }).key).not.toBe(map({ ...base, fingerprint: ['{{ default }}', 'tenant-8'] }).key);
    expect(map({ ...base, fingerprint: ['payments'] }).key).toMatch(/^E@/);
  });
});

describe('stackLines', () => {
  it('writes what a frame has', () => {
    expect(stackLines([{ function: 'f' }, { filename: 'a.py', lineno: 3 }, { module: 'm', function: 'g', lineno: 1, colno: 2 }, {}])).toEqual([
      'at ?', 'at g (m:1:2)', 'at <anonymous> (a.py:3)', 'at f',
    ]);
  });
});
