import { type EnvelopeHeader, EnvelopeHeaderSchema, ItemHeaderSchema } from './sentry-schema.js';
import { SentryIngestError } from './sentry-error.js';

/** One item of an envelope: its type and its payload bytes (a view into the body, not a copy). */
export interface EnvelopeItem {
  readonly type: string;
  readonly payload: Buffer;
}

/** A parsed envelope. Lives for one request. */
export interface Envelope {
  readonly header: EnvelopeHeader;
  readonly items: readonly EnvelopeItem[];
}

/** More items than any SDK sends in one envelope. */
export const MAX_ENVELOPE_ITEMS = 1_000;

const NEWLINE = 0x0a;

/**
 * Splits a Sentry envelope (https://develop.sentry.dev/sdk/envelopes/): a JSON header line, then items,
 * each a JSON header line and a payload of `length` bytes followed by a newline (or the end), or,
 * without `length`, a payload running to the next newline. Blank lines between items are skipped.
 * Throws SentryIngestError (`invalid_envelope`, `invalid_item`) on bad framing: a header that is not a
 * JSON object, a truncated item, a length that does not end at a newline.
 *
 * Example: '{"event_id":"a"}\n{"type":"event","length":2}\n{}\n' holds one event item with payload '{}'.
 */
export function parseEnvelope(body: Buffer, maxItems = MAX_ENVELOPE_ITEMS): Envelope {
  let nl = body.indexOf(NEWLINE);
  const headerJson = parseJsonObject(body.subarray(0, nl < 0 ? body.length : nl));
  if (headerJson === undefined) throw new SentryIngestError('invalid_envelope', 'the envelope header (first line) is not a JSON object');
  const header = EnvelopeHeaderSchema.parse(headerJson);
  let pos = nl < 0 ? body.length : nl + 1;
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    if (body[pos] === NEWLINE || (body[pos] === 0x0d && body[pos + 1] === NEWLINE)) {
      pos += body[pos] === NEWLINE ? 1 : 2;
      continue;
    }
    if (items.length >= maxItems) throw new SentryIngestError('invalid_envelope', `the envelope holds more than ${maxItems} items`);
    nl = body.indexOf(NEWLINE, pos);
    const lineEnd = nl < 0 ? body.length : nl;
    const raw = parseJsonObject(body.subarray(pos, lineEnd));
    const itemHeader = raw === undefined ? undefined : ItemHeaderSchema.safeParse(raw);
    if (itemHeader === undefined || !itemHeader.success) {
      throw new SentryIngestError('invalid_item', `item ${items.length + 1}: the header is not a JSON object with a "type" and an optional non-negative integer "length"`);
    }
    const { type, length } = itemHeader.data;
    pos = nl < 0 ? body.length : nl + 1;
    let payload: Buffer;
    if (length !== null && length !== undefined) {
      if (pos + length > body.length) {
        throw new SentryIngestError('invalid_item', `item ${items.length + 1} (${type}) declares ${length} bytes but only ${body.length - pos} remain (truncated)`);
      }
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (pos < body.length) {
        if (body[pos] === NEWLINE) pos += 1;
        else if (body[pos] === 0x0d && body[pos + 1] === NEWLINE) pos += 2;
        else throw new SentryIngestError('invalid_item', `item ${items.length + 1} (${type}): ${length} bytes do not end at a newline (wrong length)`);
      }
    } else {
      const end = body.indexOf(NEWLINE, pos);
      payload = body.subarray(pos, end < 0 ? body.length : end);
      pos = end < 0 ? body.length : end + 1;
    }
    items.push({ type, payload });
  }
  return { header, items };
}

/** Parses bytes as JSON and returns the value when it is a plain object (not an array), else undefined. */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
