import { randomUUID } from 'node:crypto';
import type { Limits } from '../../../common/limits.js';
import { SENSITIVE_HEADERS } from '../../../common/occurrence.js';
import type { Severity } from '../../../common/severity.js';
import { parseTimestamp } from '../../../common/time.js';
import { tagValue } from '../../../common/merge/tags.js';
import { type ClientError, type ClientOccurrence, toRfc3339 } from '../../../common/wire/client-format.js';
import { causeChain } from './exception-chain.js';
import { tagsOf } from './fingerprint-variables.js';
import { groupingComponents, groupingKey } from './grouping.js';
import { FrameSchema, type SentryEvent, type SentryException, type SentryRequest, ThreadSchema } from './sentry-schema.js';

/** An event mapped onto the Periskop model. Lives for one request. */
export interface MappedEvent {
  /** 32 lower-case hex characters (the event's, or a new one when it had none usable). */
  readonly eventId: string;
  readonly key: string;
  readonly severity: Severity;
  /** ms since the epoch. */
  readonly timestamp: number;
  /** The sample in the Periskop client wire shape; the aggregator applies the size limits to it. */
  readonly sample: ClientOccurrence;
  /** The event's `environment` and `release`, cut at TAG_VALUE_CHARS (common/merge/tags.ts); undefined when absent or empty. */
  readonly environment: string | undefined;
  readonly release: string | undefined;
}

/** Events dated further in the future than this are dated when received (client clocks drift). */
export const MAX_FUTURE_MS = 60_000;
/** Class of a message event (`captureMessage`) and of an event with neither exception nor message. */
export const MESSAGE_CLASS = 'Message';
export const EVENT_CLASS = 'Event';

/** Python's and others' module of built-in exceptions: `builtins.ValueError` reads as `ValueError`. */
const BUILTIN_MODULES = new Set(['builtins', '__builtin__', 'exceptions']);

/**
 * Sentry level -> Periskop severity: fatal and error -> error, warning -> warning, info, log and
 * debug -> info; missing or unknown -> error (Sentry's default level).
 */
export function severityOfLevel(level: string | null | undefined): Severity {
  switch (level?.toLowerCase()) {
    case 'warning':
    case 'warn':
      return 'warning';
    case 'info':
    case 'log':
    case 'debug':
      return 'info';
    default:
      return 'error';
  }
}

/** `<module>.<type>` when the exception names a module (other than the built-ins), else `<type>`. */
export function exceptionClass(e: SentryException, fallback: string): string {
  const type = e.type ?? '';
  if (type === '') return fallback;
  const module = e.module ?? '';
  if (module === '' || BUILTIN_MODULES.has(module) || type.startsWith(`${module}.`)) return type;
  return `${module}.${type}`;
}

/** A normalised event id: 32 lower-case hex (dashes of a UUID removed), or undefined. */
export function normaliseEventId(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const id = value.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/**
 * Maps one Sentry event onto a Periskop occurrence and an aggregation key (see README.md):
 * class and message of the exception (or the message of `captureMessage`), stack lines newest frame
 * first, the cause chain, severity, HTTP context without sensitive headers, uuid = event id, timestamp
 * (clamped to `receivedAt` when missing or in the future). Pure apart from drawing an event id when the
 * event has none.
 */
export function mapSentryEvent(event: SentryEvent, receivedAt: number, limits: Limits, headerEventId?: string | null): MappedEvent {
  const eventId = normaliseEventId(event.event_id) ?? normaliseEventId(headerEventId) ?? randomUUID().replace(/-/g, '');
  const exceptionValues = Array.isArray(event.exception) ? event.exception : (event.exception?.values ?? []);
  const exceptions = causeChain(exceptionValues, limits.causeDepth + 2);
  const { text: messageText, template } = messageOf(event);
  const typed = exceptions[0]?.type ? true : false;
  const classes = exceptions.map((e, i) => exceptionClass(e, i === 0 && !typed && messageText !== undefined ? MESSAGE_CLASS : 'Error'));

  let error: ClientError;
  if (exceptions.length > 0) {
    error = nestExceptions(exceptions, classes, limits);
    if (!typed && (exceptions[0]?.value ?? '') === '' && messageText !== undefined) error.message = messageText;
  } else {
    const frames = messageStackFrames(event);
    error = {
      class: messageText !== undefined ? MESSAGE_CLASS : EVENT_CLASS,
      message: messageText ?? event.transaction ?? event.culprit ?? '',
      stacktrace: frames === undefined ? null : stackLines(frames),
      cause: null,
    };
  }
  const chain = typed || (template === undefined && exceptions.length > 0)
    ? exceptions.map((exception, i) => ({ className: classes[i] as string, exception }))
    : [];
  const variables = event.fingerprint === null || event.fingerprint === undefined ? undefined : {
    exception: exceptions[0],
    frames: exceptions[0]?.stacktrace?.frames ?? messageStackFrames(event),
    transaction: event.transaction ?? undefined,
    level: event.level ?? undefined,
    logger: event.logger ?? undefined,
    message: messageText,
    tags: tagsOf(event.tags),
  };
  const components = groupingComponents(event.fingerprint, { chain, messageTemplate: template, transaction: event.transaction ?? undefined, ...(variables === undefined ? {} : { variables }) });
  const key = groupingKey(error.class, components);

  let timestamp = parseTimestamp(event.timestamp);
  if (timestamp === 0 || timestamp > receivedAt + MAX_FUTURE_MS) timestamp = receivedAt;
  const severity = severityOfLevel(event.level);
  return {
    eventId,
    key,
    severity,
    timestamp,
    sample: { error, uuid: eventId, timestamp: toRfc3339(timestamp), severity, http_context: httpContext(event.request, limits) },
    environment: tagValue(event.environment),
    release: tagValue(event.release),
  };
}

/** The text (formatted) and the template (for grouping) of a message event. */
function messageOf(event: SentryEvent): { text: string | undefined; template: string | undefined } {
  const entry = event.logentry ?? (typeof event.message === 'object' ? event.message : undefined);
  const plain = typeof event.message === 'string' ? event.message : undefined;
  const text = entry?.formatted ?? entry?.message ?? plain ?? undefined;
  const template = entry?.message ?? entry?.formatted ?? plain ?? undefined;
  return { text: text === '' ? undefined : text, template: template === '' ? undefined : template };
}

function nestExceptions(exceptions: readonly SentryException[], classes: readonly string[], limits: Limits): ClientError {
  let cause: ClientError | null = null;
  for (let i = exceptions.length - 1; i >= 0; i--) {
    const e = exceptions[i] as SentryException;
    const frames = e.stacktrace?.frames;
    cause = {
      class: classes[i] as string,
      message: e.value ?? '',
      stacktrace: frames === null || frames === undefined ? null : stackLines(frames, limits.stackLines),
      cause,
    };
  }
  return cause as ClientError;
}

/** The stack of a message event: top-level `stacktrace`, else the crashed or current thread's. */
function messageStackFrames(event: SentryEvent): unknown[] | undefined {
  const top = event.stacktrace?.frames;
  if (top !== null && top !== undefined) return top;
  const threads = (event.threads?.values ?? []).slice(0, 64).map((t) => ThreadSchema.safeParse(t)).flatMap((r) => (r.success ? [r.data] : []));
  const thread = threads.find((t) => t.crashed === true) ?? threads.find((t) => t.current === true) ?? threads[0];
  return thread?.stacktrace?.frames ?? undefined;
}

/**
 * Stack lines, newest frame first (Sentry lists frames oldest first): `at fn (file:line:col)`.
 * Only the newest `keep` frames are formatted; the rest are counted by placeholders so the parser's
 * "N more lines" mark stays right.
 */
export function stackLines(frames: readonly unknown[], keep = Number.MAX_SAFE_INTEGER): string[] {
  const out: string[] = [];
  for (let i = frames.length - 1; i >= 0; i--) {
    if (out.length >= keep) {
      out.length += i + 1;
      out.fill('', keep);
      break;
    }
    const f = FrameSchema.safeParse(frames[i]);
    if (!f.success) continue;
    const { function: fn, filename, abs_path: absPath, module, lineno, colno } = f.data;
    const file = filename ?? absPath ?? module ?? undefined;
    const where = file === undefined ? '' : `${file}${lineno != null ? `:${lineno}` : ''}${lineno != null && colno != null ? `:${colno}` : ''}`;
    const name = fn ?? (file === undefined ? '?' : '<anonymous>');
    out.push(where === '' ? `at ${name}` : `at ${name} (${where})`);
  }
  return out;
}

/** HTTP context from `request`: URL with its query, headers without sensitive ones, body as text. */
function httpContext(request: SentryRequest | null | undefined, limits: Limits): ClientOccurrence['http_context'] {
  if (request === null || request === undefined) return null;
  if (!request.url && !request.method) return null;
  let url = request.url ?? '';
  const query = queryString(request.query_string);
  if (query !== '' && !url.includes('?')) url = `${url}?${query}`;
  return {
    request_method: request.method ?? '',
    request_url: url,
    request_headers: headersOf(request.headers, limits.headers),
    request_body: bodyOf(request.data),
  };
}

function queryString(q: SentryRequest['query_string']): string {
  if (q === null || q === undefined) return '';
  if (typeof q === 'string') return q.replace(/^\?/, '');
  const params = new URLSearchParams();
  const pairs = Array.isArray(q) ? q : Object.entries(q);
  for (const pair of pairs.slice(0, 200)) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && (typeof pair[1] === 'string' || typeof pair[1] === 'number')) params.append(pair[0], String(pair[1]));
  }
  return params.toString();
}

/** String-valued headers, sensitive ones dropped, at most `max`. A null prototype keeps odd names inert. */
function headersOf(h: SentryRequest['headers'], max: number): Record<string, string> | null {
  if (h === null || h === undefined) return null;
  const out = Object.create(null) as Record<string, string>;
  const pairs = Array.isArray(h) ? h : Object.entries(h);
  let kept = 0;
  for (const pair of pairs) {
    if (kept >= max) break;
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') continue;
    if (SENSITIVE_HEADERS.has(pair[0].toLowerCase())) continue;
    out[pair[0]] = pair[1];
    kept++;
  }
  return out;
}

function bodyOf(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data === 'string') return data;
  try {
    return JSON.stringify(data) ?? '';
  } catch {
    return '';
  }
}
