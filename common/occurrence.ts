import { z } from 'zod';
import { MsSchema } from './schema/scalars.js';
import { SeveritySchema } from './severity.js';

/**
 * One error in a cause chain. `stacktrace` keeps the difference between "none sent" (null) and
 * "empty" ([]) because Periskop's API shows both.
 */
export const ErrorDetailSchema = z.object({
  class: z.string(),
  message: z.string(),
  stacktrace: z.array(z.string()).nullable(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

/** The HTTP request during which an error happened. Sensitive headers are dropped at ingestion. */
export const HttpContextSchema = z.object({
  method: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()).nullable(),
  body: z.string(),
});
export type HttpContext = z.infer<typeof HttpContextSchema>;

/**
 * A concrete occurrence of an error (a Periskop `ErrorInstance`), normalised.
 * `chain[0]` is the error itself, `chain[i + 1]` the cause of `chain[i]`: a flat list instead of the
 * recursive wire shape, so nothing downstream recurses on untrusted depth.
 * `timestamp` is ms since the epoch (0 = unknown). Created by the agent's parsers, shipped in
 * federation messages, held by the hub's sample store until evicted.
 */
export const OccurrenceSchema = z.object({
  uuid: z.string().min(1),
  timestamp: MsSchema,
  severity: SeveritySchema,
  chain: z.array(ErrorDetailSchema).min(1).max(64),
  http: HttpContextSchema.nullable(),
});
export type Occurrence = z.infer<typeof OccurrenceSchema>;

/** Headers never stored or shown (DESIGN section 8), compared lower-case. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'cookie',
  'authorization',
  'set-cookie',
  'x-api-key',
  'proxy-authorization',
]);
