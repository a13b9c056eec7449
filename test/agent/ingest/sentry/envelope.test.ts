import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../../../agent/ingest/sentry/envelope.js';
import { SentryIngestError } from '../../../../agent/ingest/sentry/sentry-error.js';

const buf = (s: string) => Buffer.from(s, 'utf8');
const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof SentryIngestError ? err.reason : `unexpected ${String(err)}`;
  }
};

describe('parseEnvelope', () => {
  it('reads items with an explicit length', () => {
    const e = parseEnvelope(buf('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event","length":13}\n{"message":1}\n{"type":"session","length":2}\n{}'));
    expect(e.header.event_id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(e.items.map((i) => [i.type, i.payload.toString()])).toEqual([['event', '{"message":1}'], ['session', '{}']]);
  });

  it('reads items without a length up to the next newline', () => {
    const e = parseEnvelope(buf('{}\n{"type":"event"}\n{"a":1}\n{"type":"client_report"}\n{"b":2}\n'));
    expect(e.items.map((i) => [i.type, i.payload.toString()])).toEqual([['event', '{"a":1}'], ['client_report', '{"b":2}']]);
  });

  it('counts a length in bytes, so a payload may hold newlines and multi-byte characters', () => {
    const payload = '{"m":"é\\n"}\n{"x":1}';
    const e = parseEnvelope(Buffer.concat([buf(`{}\n{"type":"attachment","length":${Buffer.byteLength(payload)}}\n`), buf(payload)]));
    expect(e.items[0]?.payload.toString()).toBe(payload);
  });

  it('accepts a header-only envelope, CRLF line ends and blank lines between items', () => {
    expect(parseEnvelope(buf('{"dsn":"http://k@h/1"}')).items).toEqual([]);
    const e = parseEnvelope(buf('{}\r\n{"type":"event","length":2}\r\n{}\r\n\n{"type":"session"}\r\n{}\r\n'));
    expect(e.items.map((i) => i.type)).toEqual(['event', 'session']);
  });

  it('refuses a header that is not a JSON object', () => {
    expect(reasonOf(() => parseEnvelope(buf('not json\n{"type":"event"}\n{}')))).toBe('invalid_envelope');
    expect(reasonOf(() => parseEnvelope(buf('[1,2]\n')))).toBe('invalid_envelope');
    expect(reasonOf(() => parseEnvelope(Buffer.from([0xff, 0xfe, 0x00])))).toBe('invalid_envelope');
  });

  it('refuses a truncated item, a wrong length and a bad item header', () => {
    expect(reasonOf(() => parseEnvelope(buf('{}\n{"type":"event","length":100}\n{}')))).toBe('invalid_item');
    expect(reasonOf(() => parseEnvelope(buf('{}\n{"type":"event","length":1}\n{}\n')))).toBe('invalid_item');
    expect(reasonOf(() => parseEnvelope(buf('{}\n{"length":2}\n{}\n')))).toBe('invalid_item');
    expect(reasonOf(() => parseEnvelope(buf('{}\n{"type":"event","length":-1}\n{}\n')))).toBe('invalid_item');
    expect(reasonOf(() => parseEnvelope(buf('{}\n{"type":"event","length":"2"}\n{}\n')))).toBe('invalid_item');
    expect(reasonOf(() => parseEnvelope(buf('{}\ngarbage\n')))).toBe('invalid_item');
  });

  it('refuses more items than the limit', () => {
    const body = '{}\n' + '{"type":"session","length":2}\n{}\n'.repeat(5);
    expect(reasonOf(() => parseEnvelope(buf(body), 4))).toBe('invalid_envelope');
    expect(parseEnvelope(buf(body), 5).items).toHaveLength(5);
  });

  it('reads back any list of items framed with lengths', () => {
    const item = fc.record({ type: fc.constantFrom('event', 'session', 'attachment', 'x-y'), payload: fc.uint8Array({ maxLength: 64 }) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.boolean(), (items, trailingNewline) => {
        const parts: Buffer[] = [buf('{"event_id":"x"}\n')];
        items.forEach((it, i) => {
          parts.push(buf(`${JSON.stringify({ type: it.type, length: it.payload.length })}\n`), Buffer.from(it.payload));
          if (i < items.length - 1 || trailingNewline) parts.push(buf('\n'));
        });
        const parsed = parseEnvelope(Buffer.concat(parts));
        expect(parsed.items.map((p) => [p.type, [...p.payload]])).toEqual(items.map((it) => [it.type, [...it.payload]]));
      }),
    );
  });

  it('never throws anything but a SentryIngestError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const reason = reasonOf(() => parseEnvelope(Buffer.from(bytes)));
        expect(reason === undefined || !reason.startsWith('unexpected')).toBe(true);
      }),
    );
  });
});
