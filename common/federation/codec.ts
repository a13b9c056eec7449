import { Packr, Unpackr } from 'msgpackr';
import type { z } from 'zod';
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

/** `pick` may name a narrower schema for the decoded value (undefined: `schema`, whose errors name the problem). */
function decodeWith<T>(schema: z.ZodType<T>, frame: Buffer, maxBytes: number, pick?: (raw: unknown) => z.ZodType<T> | undefined): T {
  if (frame.length > maxBytes) {
    throw new FederationError('CN_ERR_FRAME_TOO_LARGE', `frame of ${frame.length} bytes exceeds the limit of ${maxBytes}`);
  }
  let raw: unknown;
  try {
    raw = unpackr.unpack(frame);
  } catch (err) {
    throw new FederationError('CN_ERR_BAD_MESSAGE', `undecodable frame: ${(err as Error).message}`);
  }
  const parsed = (pick?.(raw) ?? schema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new FederationError('CN_ERR_BAD_MESSAGE', `invalid message at ${where}: ${issue?.message ?? 'unknown'}`);
  }
  return parsed.data;
}

/**
 * The schema of a message by its type, so a frame is validated against its own schema directly (a
 * third of the cost of going through the discriminated union for a delta of 1,000 groups).
 */
const SOURCE_SCHEMAS: Readonly<Record<string, z.ZodType<SourceMessage>>> = { hello: HelloSchema, sync: SyncSchema, delta: DeltaSchema };

/** Decodes and validates a frame a hub received from a source. Throws FederationError. */
export function decodeSourceMessage(frame: Buffer, maxBytes: number): SourceMessage {
  return decodeWith(SourceMessageSchema, frame, maxBytes, (raw) => {
    const t = typeof raw === 'object' && raw !== null ? (raw as { t?: unknown }).t : undefined;
    return typeof t === 'string' && Object.hasOwn(SOURCE_SCHEMAS, t) ? SOURCE_SCHEMAS[t] : undefined;
  });
}

/** Decodes and validates a frame a source received from a hub. Throws FederationError. */
export function decodeHubMessage(frame: Buffer, maxBytes: number): HubMessage {
  return decodeWith(HubMessageSchema, frame, maxBytes);
}
