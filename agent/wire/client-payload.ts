import { z } from 'zod';
import { CountSchema } from '../../common/schema/scalars.js';
import { type Limits, truncate } from '../../common/limits.js';
import { type Severity, toSeverity } from '../../common/severity.js';
import { parseTimestamp } from '../../common/time.js';
import { note, type TruncationNotes } from './truncation.js';
import type { TaggedCount } from '../aggregate/group-tags.js';

export { parseHeaders, parseRawOccurrence, rawSampleUuid } from './raw-occurrence.js';
export type { TruncationNotes, TruncationReason } from './truncation.js';

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

/** One aggregate as read from a payload, its samples still raw. */
export interface ParsedAggregate {
  readonly key: string;
  readonly totalCount: number;
  readonly severity: Severity;
  /** ms since epoch, 0 when missing. */
  readonly createdAt: number;
  readonly rawSamples: readonly unknown[];
  /** Release and environment of the occurrences this observation adds (Sentry, OTLP; never a Periskop payload). */
  readonly tagged?: readonly TaggedCount[];
}

/** Why an item was dropped; counted per target and exposed in metrics. */
export type DropReason =
  | 'aggregate_invalid'
  | 'aggregate_duplicate_key'
  | 'aggregates_over_limit'
  | 'sample_invalid';

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
