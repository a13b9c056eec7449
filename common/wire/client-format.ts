import { z } from 'zod';
import type { ErrorDetail, Occurrence } from '../occurrence.js';
import { SeveritySchema } from '../severity.js';
import { MAX_DATE_MS } from '../time.js';

/**
 * The Periskop client wire format as Crowsnest writes it (its own `/errors`, the hub's per-service
 * export for a legacy Periskop, the demo targets). Strict counterpart of client-payload.ts's
 * tolerant reader; RFC 3339 timestamps with milliseconds.
 */
export interface ClientError {
  class: string;
  message: string;
  stacktrace: string[] | null;
  cause: ClientError | null;
}
export const ClientErrorSchema: z.ZodType<ClientError> = z.lazy(() =>
  z.object({ class: z.string(), message: z.string(), stacktrace: z.array(z.string()).nullable(), cause: ClientErrorSchema.nullable() }),
);

export const ClientHttpContextSchema = z.object({
  request_method: z.string(),
  request_url: z.string(),
  request_headers: z.record(z.string(), z.string()).nullable(),
  request_body: z.string(),
});

export const ClientOccurrenceSchema = z.object({
  error: ClientErrorSchema,
  uuid: z.string(),
  timestamp: z.string(),
  severity: SeveritySchema,
  http_context: ClientHttpContextSchema.nullable(),
});
export type ClientOccurrence = z.infer<typeof ClientOccurrenceSchema>;

export const ClientAggregateSchema = z.object({
  aggregation_key: z.string(),
  total_count: z.number().int().nonnegative(),
  severity: SeveritySchema,
  created_at: z.string(),
  latest_errors: z.array(ClientOccurrenceSchema),
});
export type ClientAggregate = z.infer<typeof ClientAggregateSchema>;

export const ClientPayloadOutSchema = z.object({
  target_uuid: z.string(),
  aggregated_errors: z.array(ClientAggregateSchema),
});
export type ClientPayloadOut = z.infer<typeof ClientPayloadOutSchema>;

/**
 * RFC 3339 in UTC with ms; Go's zero time for unknown (0), as Periskop clients print it. Any number
 * formats: one past the last JavaScript date is shown as that date (a stored value never makes an
 * answer fail).
 */
export function toRfc3339(ms: number): string {
  if (!(ms > 0)) return '0001-01-01T00:00:00Z';
  return new Date(Math.min(ms, MAX_DATE_MS)).toISOString();
}

/** Re-nests a flat cause chain: chain [a, b, c] becomes a.cause = b, b.cause = c. */
export function nestChain<T>(chain: readonly ErrorDetail[], build: (e: ErrorDetail, cause: T | null) => T): T {
  let cause: T | null = null;
  for (let i = chain.length - 1; i >= 0; i--) cause = build(chain[i] as ErrorDetail, cause);
  return cause as T;
}

/** The recursive `error` object of the Periskop formats (client wire and server API share it). */
export function toClientError(chain: readonly ErrorDetail[]): ClientError {
  return nestChain<ClientError>(chain, (e, cause) => ({ class: e.class, message: e.message, stacktrace: e.stacktrace, cause }));
}

export function toClientOccurrence(o: Occurrence): ClientOccurrence {
  return {
    error: toClientError(o.chain),
    uuid: o.uuid,
    timestamp: toRfc3339(o.timestamp),
    severity: o.severity,
    http_context: o.http === null ? null : { request_method: o.http.method, request_url: o.http.url, request_headers: o.http.headers, request_body: o.http.body },
  };
}
