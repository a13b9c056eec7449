import { Packr, Unpackr } from 'msgpackr';
import type { z } from 'zod';
import { checkedParser, SchemaMismatch } from '../schema/checked-parse.js';
import { FederationError } from './errors.js';
import { DeltaSchema, HelloSchema, type HubMessage, HubMessageSchema, type SourceMessage, SourceMessageSchema, SyncSchema } from './messages.js';

/**
 * msgpackr with records: repeated object shapes (groups, samples) are described once per frame.
 * Chosen over JSON by benchmark (bench/codec.ts, docs/performance.md). One instance per process is
 * enough: the codec keeps no state between frames.
 */
const packr = new Packr({ useRecords: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });

export function encodeMessage(message: SourceMessage | HubMessage): Buffer {
  return packr.pack(message);
}

/** Packs any link's message (peer links use it too: one codec for every WebSocket frame). */
export function packFrame(message: unknown): Buffer {
  return packr.pack(message);
}

/**
 * A message's parser (common/schema/checked-parse.ts): a frame that passes the exact check is used as
 * msgpackr decoded it, without zod's copy; any other goes through zod, which either refuses it with
 * its own message or makes its copy (an unknown key stripped, say).
 */
type Validator<T> = (value: unknown) => T;

const validator = <T>(schema: z.ZodType<T>): Validator<T> => checkedParser(schema);

/**
 * Unpacks and validates one frame of any link (source or peer), refusing it with a coded
 * FederationError: too large, undecodable, or not a `what`. `pick` may name a narrower validator for
 * the decoded value (undefined: `v`, whose errors name the problem).
 */
export function decodeFrame<T>(v: Validator<T>, frame: Buffer, maxBytes: number, what = 'message', pick?: (raw: unknown) => Validator<T> | undefined): T {
  if (frame.length > maxBytes) {
    throw new FederationError('CN_ERR_FRAME_TOO_LARGE', `frame of ${frame.length} bytes exceeds the limit of ${maxBytes}`);
  }
  let raw: unknown;
  try {
    raw = unpackr.unpack(frame);
  } catch (err) {
    throw new FederationError('CN_ERR_BAD_MESSAGE', `undecodable frame: ${(err as Error).message}`);
  }
  try {
    return (pick?.(raw) ?? v)(raw);
  } catch (err) {
    if (err instanceof SchemaMismatch) throw new FederationError('CN_ERR_BAD_MESSAGE', `invalid ${what} at ${err.where}: ${err.problem}`);
    throw err;
  }
}

/**
 * The validator of a message by its type, so a frame is validated against its own schema directly (a
 * third of the cost of going through the discriminated union for a delta of 1,000 groups).
 */
const SOURCE_VALIDATORS: Readonly<Record<string, Validator<SourceMessage>>> = { hello: validator(HelloSchema), sync: validator(SyncSchema), delta: validator(DeltaSchema) };
const SOURCE_MESSAGE = validator(SourceMessageSchema);
const HUB_MESSAGE = validator(HubMessageSchema);

/** Decodes and validates a frame a hub received from a source. Throws FederationError. */
export function decodeSourceMessage(frame: Buffer, maxBytes: number): SourceMessage {
  return decodeFrame(SOURCE_MESSAGE, frame, maxBytes, 'message', (raw) => {
    const t = typeof raw === 'object' && raw !== null ? (raw as { t?: unknown }).t : undefined;
    return typeof t === 'string' && Object.hasOwn(SOURCE_VALIDATORS, t) ? SOURCE_VALIDATORS[t] : undefined;
  });
}

/** Decodes and validates a frame a source received from a hub. Throws FederationError. */
export function decodeHubMessage(frame: Buffer, maxBytes: number): HubMessage {
  return decodeFrame(HUB_MESSAGE, frame, maxBytes);
}
