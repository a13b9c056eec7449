import { z } from 'zod';

/**
 * zod schemas of what Sentry SDKs send (the envelope and event protocol, read tolerantly): a field of
 * the wrong type becomes absent instead of failing the event, because SDKs of many languages and ages
 * send variations. Only the fields Crowsnest uses are read; the rest is ignored.
 */

/** An optional string that also accepts null, and turns anything else into undefined. */
const Str = z.string().nullish().catch(undefined);
const Int = z.number().int().nullish().catch(undefined);

/** The first line of an envelope. */
export const EnvelopeHeaderSchema = z.object({
  event_id: Str,
  /** The DSN the SDK was configured with; its user part is the public key. */
  dsn: Str,
  sent_at: z.unknown().optional(),
});
export type EnvelopeHeader = z.infer<typeof EnvelopeHeaderSchema>;

/** The header line of one envelope item. `length` (bytes) is optional: without it the item ends at the next newline. */
export const ItemHeaderSchema = z.object({
  type: z.string().min(1).max(128),
  length: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish(),
});
export type ItemHeader = z.infer<typeof ItemHeaderSchema>;

export const FrameSchema = z.object({
  function: Str,
  module: Str,
  filename: Str,
  abs_path: Str,
  lineno: Int,
  colno: Int,
  in_app: z.boolean().nullish().catch(undefined),
  package: Str,
  /** The source line, when the SDK read it; grouping uses it for frames without a function name. */
  context_line: Str,
});
export type SentryFrame = z.infer<typeof FrameSchema>;

/** Frames stay raw here (parsed one by one, and only as many as are kept). */
export const StacktraceSchema = z.object({ frames: z.array(z.unknown()).nullish().catch(undefined) });

export const MechanismSchema = z.object({
  type: Str,
  source: Str,
  exception_id: z.number().int().nonnegative().nullish().catch(undefined),
  parent_id: z.number().int().nonnegative().nullish().catch(undefined),
});

/** One entry of `exception.values`. */
export const ExceptionSchema = z.object({
  type: Str,
  value: Str,
  module: Str,
  stacktrace: StacktraceSchema.nullish().catch(undefined),
  mechanism: MechanismSchema.nullish().catch(undefined),
});
export type SentryException = z.infer<typeof ExceptionSchema>;

/** `logentry` (and the object form of `message`): `message` is the template, `formatted` the result. */
export const LogEntrySchema = z.object({ message: Str, formatted: Str, params: z.unknown().optional() });

/** `request`: headers and query as an object or as [name, value] pairs; `data` any JSON. */
export const RequestSchema = z.object({
  url: Str,
  method: Str,
  query_string: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish().catch(undefined),
  headers: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish().catch(undefined),
  data: z.unknown().optional(),
});
export type SentryRequest = z.infer<typeof RequestSchema>;

/** An error or message event (item type `event`, or the body of `/store/`). */
export const SentryEventSchema = z.object({
  event_id: Str,
  /** Seconds since the epoch (a float) or an RFC 3339 string. */
  timestamp: z.union([z.number(), z.string()]).nullish().catch(undefined),
  level: Str,
  platform: Str,
  logger: Str,
  message: z.union([z.string(), LogEntrySchema]).nullish().catch(undefined),
  logentry: LogEntrySchema.nullish().catch(undefined),
  /** `{values: [...]}`, or the bare list older SDKs send. Entries stay raw until used. */
  exception: z.union([z.object({ values: z.array(z.unknown()).nullish().catch(undefined) }), z.array(z.unknown())]).nullish().catch(undefined),
  /** Where message events with attach_stacktrace carry their stack. */
  threads: z.object({ values: z.array(z.unknown()).nullish().catch(undefined) }).nullish().catch(undefined),
  stacktrace: StacktraceSchema.nullish().catch(undefined),
  request: RequestSchema.nullish().catch(undefined),
  fingerprint: z.array(z.union([z.string(), z.number(), z.boolean()])).max(64).nullish().catch(undefined),
  transaction: Str,
  culprit: Str,
  /** Which release and deployment environment sent it (cut at 200 characters when mapped). */
  release: Str,
  environment: Str,
  /** An object, or `[name, value]` pairs; read by fingerprint-variables.ts (`{{ tags.NAME }}`). */
  tags: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish().catch(undefined),
});
export type SentryEvent = z.infer<typeof SentryEventSchema>;

export const ThreadSchema = z.object({ crashed: z.boolean().nullish().catch(undefined), current: z.boolean().nullish().catch(undefined), stacktrace: StacktraceSchema.nullish().catch(undefined) });
