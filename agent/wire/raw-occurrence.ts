import { z } from 'zod';
import { type Limits, TRUNCATION_MARK } from '../../common/limits.js';
import type { ErrorDetail, HttpContext, Occurrence } from '../../common/occurrence.js';
import { SENSITIVE_HEADERS } from '../../common/occurrence.js';
import { toSeverity } from '../../common/severity.js';
import { parseTimestamp } from '../../common/time.js';
import { cut, note, type TruncationNotes } from './truncation.js';

/**
 * One raw sample of a Periskop client payload, parsed only when its group could keep it
 * (client-payload.ts reads the rest of the payload): error chain, stack, HTTP context, each cut at
 * the limits with the cut counted.
 */
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
