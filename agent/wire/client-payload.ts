import { z } from 'zod';
import { CountSchema } from '../../common/schema/scalars.js';
import { type Limits, truncate, TRUNCATION_MARK } from '../../common/limits.js';
import type { ErrorDetail, HttpContext, Occurrence } from '../../common/occurrence.js';
import { SENSITIVE_HEADERS } from '../../common/occurrence.js';
import { type Severity, toSeverity } from '../../common/severity.js';
import { parseTimestamp } from '../../common/time.js';

/**
 * The Periskop client wire format (`GET /errors` of every Periskop client, and push gateway bodies),
 * read tolerantly: missing `target_uuid`, `severity`, `created_at`, `class`; null `stacktrace`,
 * `cause`, `http_context`, `request_headers`, `request_body`; any timestamp precision. One bad item
 * drops that item, never the payload. Samples are parsed lazily (`parseRawOccurrence`) because most
 * of them were already seen in the previous scrape.
 */
export const ClientPayloadSchema = z.object({
  target_uuid: z.string().max(256).nullish().catch(undefined),
  aggregated_errors: z.array(z.unknown()).nullish().transform((v) => v ?? []),
});

export const RawAggregateSchema = z.object({
  aggregation_key: z.string().min(1),
  total_count: CountSchema,
  severity: z.unknown().optional(),
  created_at: z.unknown().optional(),
  latest_errors: z.array(z.unknown()).nullish().catch(undefined),
});

const RawErrorSchema = z.object({
  class: z.string().nullish().catch(undefined),
  message: z.string().nullish().catch(undefined),
  stacktrace: z.array(z.unknown()).nullish().catch(undefined),
  cause: z.unknown().optional(),
});

const RawHttpContextSchema = z.object({
  request_method: z.string().nullish().catch(undefined),
  request_url: z.string().nullish().catch(undefined),
  request_headers: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  request_body: z.unknown().optional(),
});

const RawOccurrenceSchema = z.object({
  error: z.unknown(),
  uuid: z.string().min(1),
  timestamp: z.unknown().optional(),
  severity: z.unknown().optional(),
  http_context: z.unknown().optional(),
});

/** One aggregate as read from a payload, its samples still raw. */
export interface ParsedAggregate {
  readonly key: string;
  readonly totalCount: number;
  readonly severity: Severity;
  /** ms since epoch, 0 when missing. */
  readonly createdAt: number;
  readonly rawSamples: readonly unknown[];
}

/** Why an item was dropped; counted per target and exposed in metrics. */
export type DropReason =
  | 'aggregate_invalid'
  | 'aggregate_duplicate_key'
  | 'aggregates_over_limit'
  | 'sample_invalid';

/**
 * Why part of an item was cut (the item itself is kept, marked with TRUNCATION_MARK); counted per
 * target and exposed in metrics, so an operator sees which target sends oversized errors.
 */
export type TruncationReason =
  | 'key_truncated'
  | 'samples_over_limit'
  | 'field_truncated'
  | 'stack_truncated'
  | 'cause_chain_truncated'
  | 'headers_truncated'
  /** Set by body readers: the body was not valid UTF-8 and was read with U+FFFD in place of bad bytes. */
  | 'invalid_utf8';

/** Truncations seen while parsing, by reason; the parsers add to it when one is passed. */
export type TruncationNotes = Partial<Record<TruncationReason, number>>;

function note(notes: TruncationNotes | undefined, reason: TruncationReason, n = 1): void {
  if (notes !== undefined) notes[reason] = (notes[reason] ?? 0) + n;
}

/** `truncate`, counting a cut in `notes`. */
function cut(value: string, max: number, notes: TruncationNotes | undefined, reason: TruncationReason = 'field_truncated'): string {
  if (value.length <= max) return value;
  note(notes, reason);
  return truncate(value, max);
}

export interface ParsedPayload {
  readonly targetUuid: string | undefined;
  readonly aggregates: ParsedAggregate[];
  readonly dropped: Partial<Record<DropReason, number>>;
  /** Aggregates kept with a part cut (keys over the limit, samples beyond `samplesPerAggregate`). */
  readonly truncated?: TruncationNotes;
}

export class PayloadError extends Error {
  readonly code = 'CN_ERR_PAYLOAD';
}

/**
 * Reads a decoded JSON value as a Periskop client payload.
 * Throws `PayloadError` only when the payload as a whole is unusable (not an object, no list);
 * a bad aggregate is dropped and counted in `dropped`.
 * Example: `{aggregated_errors: [{aggregation_key: 'k', total_count: -1}]}` gives no aggregates and
 * `dropped.aggregate_invalid === 1`.
 */
export function parseClientPayload(json: unknown, limits: Limits): ParsedPayload {
  const envelope = readEnvelope(json);
  const raw = envelope.aggregates;
  const n = Math.min(raw.length, limits.aggregatesPerPayload);
  const items: AggregateItem[] = [];
  for (let i = 0; i < n; i++) items.push(readAggregate(raw[i], limits));
  return assemblePayload(envelope.targetUuid, items, raw.length);
}

/**
 * The payload's envelope: its target uuid and its raw aggregates. Throws `PayloadError` when the value
 * is not a Periskop error list.
 */
export function readEnvelope(json: unknown): { readonly targetUuid: string | undefined; readonly aggregates: unknown[] } {
  const envelope = ClientPayloadSchema.safeParse(json);
  if (!envelope.success) {
    throw new PayloadError('payload is not a Periskop error list: expected an object with "aggregated_errors"');
  }
  return { targetUuid: envelope.data.target_uuid ?? undefined, aggregates: envelope.data.aggregated_errors };
}

/**
 * One aggregate read on its own (the per-item step of `parseClientPayload`, before duplicate keys
 * across the payload are known): `INVALID_AGGREGATE`, or the aggregate with its key and samples cut to
 * the limits (`keyCut`, `samplesCut` present only when something was cut). Depends on nothing but
 * `raw` and `limits`, so a reader may keep the result for identical bytes.
 */
export type AggregateItem = (ParsedAggregate & { readonly keyCut?: true; readonly samplesCut?: true }) | typeof INVALID_AGGREGATE;

/** An element of `aggregated_errors` that is not a usable aggregate (dropped as `aggregate_invalid`). */
export const INVALID_AGGREGATE: { readonly invalid: true } = Object.freeze({ invalid: true });

/** True for the item of an element that is not a usable aggregate. */
export const isInvalidAggregate = (item: AggregateItem): item is typeof INVALID_AGGREGATE => item === INVALID_AGGREGATE;

/**
 * Reads one element of `aggregated_errors` (see AggregateItem).
 * Example: `{aggregation_key: 'k', total_count: 3}` gives key 'k', total 3, severity 'error', no samples;
 * `{total_count: 3}` gives INVALID_AGGREGATE.
 */
export function readAggregate(raw: unknown, limits: Limits): AggregateItem {
  const item = RawAggregateSchema.safeParse(raw);
  if (!item.success) return INVALID_AGGREGATE;
  const a = item.data;
  const key = a.aggregation_key.length <= limits.keyChars ? a.aggregation_key : truncate(a.aggregation_key, limits.keyChars);
  const samples = a.latest_errors ?? [];
  const samplesCut = samples.length > limits.samplesPerAggregate;
  return {
    key,
    totalCount: a.total_count,
    severity: toSeverity(a.severity),
    createdAt: parseTimestamp(a.created_at),
    rawSamples: samplesCut ? samples.slice(0, limits.samplesPerAggregate) : samples,
    ...(key !== a.aggregation_key ? { keyCut: true as const } : {}),
    ...(samplesCut ? { samplesCut: true as const } : {}),
  };
}

/**
 * Combines items, in payload order, into a payload: a key seen before is dropped as a duplicate,
 * cuts are noted, and elements past the items (`total` is how many the payload held) are dropped as
 * over the limit. Example: items for keys a, b, a of a payload of 5 elements: aggregates a and b,
 * dropped `{aggregate_duplicate_key: 1, aggregates_over_limit: 2}`.
 */
export function assemblePayload(targetUuid: string | undefined, items: readonly AggregateItem[], total: number): ParsedPayload {
  const dropped: Partial<Record<DropReason, number>> = {};
  const drop = (reason: DropReason, n = 1) => {
    dropped[reason] = (dropped[reason] ?? 0) + n;
  };
  if (total > items.length) drop('aggregates_over_limit', total - items.length);
  const seen = new Set<string>();
  const truncated: TruncationNotes = {};
  const aggregates: ParsedAggregate[] = [];
  for (const item of items) {
    if (isInvalidAggregate(item)) {
      drop('aggregate_invalid');
      continue;
    }
    if (item.keyCut === true) note(truncated, 'key_truncated');
    if (seen.has(item.key)) {
      drop('aggregate_duplicate_key');
      continue;
    }
    seen.add(item.key);
    if (item.samplesCut === true) note(truncated, 'samples_over_limit');
    aggregates.push(item);
  }
  const base = { targetUuid, aggregates, dropped };
  return Object.keys(truncated).length === 0 ? base : { ...base, truncated };
}

/**
 * The uuid of a raw sample without parsing the rest, so known samples cost nothing.
 * Returns undefined when the sample has no usable uuid.
 */
export function rawSampleUuid(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const uuid = (raw as { uuid?: unknown }).uuid;
  return typeof uuid === 'string' && uuid.length > 0 ? uuid : undefined;
}

/**
 * Parses one raw sample into an `Occurrence`, applying every limit (truncating and marking oversized
 * fields, cutting the cause chain at `limits.causeDepth`, dropping sensitive headers).
 * Returns undefined when the sample is unusable (no uuid, no error object). Each cut is counted in
 * `notes` when given.
 */
export function parseRawOccurrence(raw: unknown, limits: Limits, notes?: TruncationNotes): Occurrence | undefined {
  const parsed = RawOccurrenceSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const o = parsed.data;
  const chain = parseErrorChain(o.error, limits, notes);
  if (chain === undefined) return undefined;
  return {
    uuid: cut(o.uuid, limits.uuidChars, notes),
    timestamp: parseTimestamp(o.timestamp),
    severity: toSeverity(o.severity),
    chain,
    http: parseHttpContext(o.http_context, limits, notes),
  };
}

/** Walks `error.cause.cause...` iteratively, so a 10,000-deep chain costs only `causeDepth` steps. */
function parseErrorChain(error: unknown, limits: Limits, notes: TruncationNotes | undefined): ErrorDetail[] | undefined {
  const chain: ErrorDetail[] = [];
  let current: unknown = error;
  while (current !== null && current !== undefined) {
    const level = RawErrorSchema.safeParse(current);
    if (!level.success) break;
    if (chain.length > limits.causeDepth) {
      const last = chain[chain.length - 1] as ErrorDetail;
      chain[chain.length - 1] = { ...last, message: last.message + ` [cause chain truncated at ${limits.causeDepth}]` };
      note(notes, 'cause_chain_truncated');
      break;
    }
    chain.push({
      class: cut(level.data.class ?? '', limits.classChars, notes),
      message: cut(level.data.message ?? '', limits.messageChars, notes),
      stacktrace: parseStacktrace(level.data.stacktrace, limits, notes),
    });
    current = level.data.cause;
  }
  return chain.length > 0 ? chain : undefined;
}

function parseStacktrace(lines: unknown[] | null | undefined, limits: Limits, notes: TruncationNotes | undefined): string[] | null {
  if (lines === null || lines === undefined) return null;
  const n = Math.min(lines.length, limits.stackLines);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const line = lines[i];
    if (typeof line === 'string') out.push(cut(line, limits.stackLineChars, notes));
  }
  if (lines.length > n) {
    out.push(`${TRUNCATION_MARK} ${lines.length - n} more lines`);
    note(notes, 'stack_truncated');
  }
  return out;
}

function parseHttpContext(value: unknown, limits: Limits, notes: TruncationNotes | undefined): HttpContext | null {
  if (value === null || value === undefined) return null;
  const parsed = RawHttpContextSchema.safeParse(value);
  if (!parsed.success) return null;
  const h = parsed.data;
  return {
    method: cut(h.request_method ?? '', 32, notes),
    url: cut(h.request_url ?? '', limits.urlChars, notes),
    headers: parseHeaders(h.request_headers, limits, notes),
    body: typeof h.request_body === 'string' ? cut(h.request_body, limits.requestBodyChars, notes) : '',
  };
}

/** Keeps string-valued headers, drops sensitive ones, at most `limits.headers` of them. */
export function parseHeaders(value: Record<string, unknown> | null | undefined, limits: Limits, notes?: TruncationNotes): Record<string, string> | null {
  if (value === null || value === undefined) return null;
  // A null prototype keeps oddly named headers inert (zod's record already drops a `__proto__` key).
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let kept = 0;
  for (const name of Object.keys(value)) {
    const v = value[name];
    if (typeof v !== 'string' || SENSITIVE_HEADERS.has(name.toLowerCase())) continue;
    if (kept >= limits.headers) {
      note(notes, 'headers_truncated');
      break;
    }
    out[cut(name, 256, notes)] = cut(v, limits.headerChars, notes);
    kept++;
  }
  return out;
}
