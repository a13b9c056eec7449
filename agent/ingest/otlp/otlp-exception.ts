import { type Limits, TRUNCATION_MARK } from '../../../common/limits.js';
import { SENSITIVE_HEADERS } from '../../../common/occurrence.js';
import type { Severity } from '../../../common/severity.js';
import { type ClientOccurrence, toRfc3339 } from '../../../common/wire/client-format.js';
import { groupingComponents, groupingKey } from './otlp-grouping.js';
import { type AnyValue, valueText } from './otlp-model.js';
import type { ResourceTags } from './otlp-resource.js';

/** One exception found in a batch, mapped onto the Periskop model. Lives for one request. */
export interface OtlpException {
  readonly service: string;
  readonly key: string;
  readonly severity: Severity;
  /** Who it is across retries of the batch (span and event, or the log record's identity). */
  readonly dedupId: string;
  /** Index of the span or log record in the batch (a rejection counts the item once). */
  readonly item: number;
  /** Release and environment of its resource (otlp-resource.ts). */
  readonly tags: ResourceTags;
  /** ms since the epoch (clamped to the time received when unknown or in the future). */
  readonly timestamp: number;
  /** The sample, built on demand: a batch passes on only the newest few per group. */
  readonly sample: () => ClientOccurrence;
}

/** Class of an exception whose record names no `exception.type`. */
export const UNTYPED_CLASS = 'Error';
/** Times further in the future than this are replaced by the time received (client clocks drift). */
export const MAX_FUTURE_MS = 60_000;
/** Characters of `service.name` kept. */
export const SERVICE_CHARS = 256;

const HEADER_PREFIX = 'http.request.header.';

/** Keys the mapping reads from event, record and span attributes. */
export function isWantedKey(key: string): boolean {
  return key.startsWith('exception.') || key.startsWith('http.') || key === 'url.full';
}

/** The service of a resource: `service.name`, or `fallback` when it is missing or `unknown_service*`. */
export function serviceName(attrs: ReadonlyMap<string, AnyValue>, fallback: string): string {
  const name = valueText(attrs.get('service.name'))?.trim() ?? '';
  if (name === '' || name.startsWith('unknown_service')) return fallback;
  return wellFormed(name.slice(0, SERVICE_CHARS));
}

/** Lone UTF-16 surrogates (what invalid UTF-8 can leave behind) become U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** What an exception is built from: the attributes of its event or record, and of its span if any. */
export interface ExceptionInput {
  readonly service: string;
  readonly tags: ResourceTags;
  readonly own: ReadonlyMap<string, AnyValue>;
  readonly span: ReadonlyMap<string, AnyValue> | undefined;
  readonly severity: Severity;
  /** ms since the epoch, 0 when unknown. */
  readonly timestamp: number;
  readonly uuid: string;
  readonly dedupId: string;
  readonly item: number;
  /** Used when there is no `exception.message` (a log record's body). */
  readonly fallbackMessage?: string | undefined;
}

/**
 * Builds the occurrence and key of one exception (see README.md): class `exception.type`, message
 * `exception.message`, the stack string split into lines (at most `limits.stackLines`, the rest
 * counted by a truncation line), HTTP context from `http.request.method`/`http.method`,
 * `url.full`/`http.url` and `http.request.header.*` (sensitive headers dropped), key from the type and
 * the stack's frames (otlp-grouping.ts). Pure.
 */
export function buildException(input: ExceptionInput, limits: Limits, receivedAt: number): OtlpException {
  const text = (key: string) => valueText(input.own.get(key)) ?? undefined;
  const rawType = text('exception.type')?.slice(0, limits.classChars).trim();
  const type = rawType === undefined || rawType === '' ? UNTYPED_CLASS : wellFormed(rawType);
  const rawMessage = (text('exception.message') ?? input.fallbackMessage ?? '').slice(0, limits.messageChars + 1);
  const rawStack = text('exception.stacktrace');
  const key = cachedKey(type, rawMessage, rawStack === undefined ? undefined : rawStack.slice(0, limits.stackLines * (limits.stackLineChars + 1) * 2));
  let timestamp = input.timestamp;
  if (timestamp <= 0 || timestamp > receivedAt + MAX_FUTURE_MS) timestamp = receivedAt;
  return {
    service: input.service,
    key,
    severity: input.severity,
    dedupId: input.dedupId,
    item: input.item,
    tags: input.tags,
    timestamp,
    sample: () => ({
      error: { class: type, message: wellFormed(rawMessage), stacktrace: rawStack === undefined ? null : stackLines(rawStack, limits.stackLines, limits.stackLineChars), cause: null },
      uuid: input.uuid,
      timestamp: toRfc3339(timestamp),
      severity: input.severity,
      http_context: httpContext(input.own, input.span, limits),
    }),
  };
}

/** Keys of recent (type, stack) pairs: one code path throws the same stack string again and again. */
const KEY_CACHE_ENTRIES = 10_000;
const keyCache = new Map<string, Map<string, string>>();
let keyCacheSize = 0;

/**
 * The grouping key of an exception (otlp-grouping.ts), memoised by type and stack string while the
 * stack has frames (the message does not enter such a key). The memo is bounded: it is emptied when full.
 */
function cachedKey(type: string, message: string, stack: string | undefined): string {
  const byStack = keyCache.get(type);
  const hit = stack === undefined ? undefined : byStack?.get(stack);
  if (hit !== undefined) return hit;
  const components = groupingComponents(type, wellFormed(message), stack);
  const key = groupingKey(type, components);
  if (stack !== undefined && !components.some((c) => c.startsWith('value:'))) {
    if (keyCacheSize >= KEY_CACHE_ENTRIES) {
      keyCache.clear();
      keyCacheSize = 0;
    }
    let map = keyCache.get(type);
    if (map === undefined) keyCache.set(type, (map = new Map()));
    map.set(stack, key);
    keyCacheSize++;
  }
  return key;
}

/** The stack string as lines (empty ones dropped, each cut to `lineChars`); past `max` lines, the last one counts the rest. */
export function stackLines(stack: string, max: number, lineChars = Number.MAX_SAFE_INTEGER): string[] {
  const out: string[] = [];
  let extra = 0;
  let pos = 0;
  while (pos < stack.length) {
    let nl = stack.indexOf('\n', pos);
    if (nl < 0) nl = stack.length;
    const start = pos;
    pos = nl + 1;
    if (out.length >= max) {
      if (stack.slice(start, nl).trim() !== '') extra++;
      continue;
    }
    const line = stack.slice(start, Math.min(nl, start + lineChars + 1)).replace(/\r$/, '');
    if (line.trim() !== '') out.push(wellFormed(line));
  }
  if (extra > 0 && max > 0) out[max - 1] = `${TRUNCATION_MARK} ${extra + 1} more lines`;
  return out;
}

function httpContext(own: ReadonlyMap<string, AnyValue>, span: ReadonlyMap<string, AnyValue> | undefined, limits: Limits): ClientOccurrence['http_context'] {
  const get = (key: string) => valueText(own.get(key)) ?? valueText(span?.get(key));
  const method = get('http.request.method') ?? get('http.method');
  const url = get('url.full') ?? get('http.url');
  if (method === undefined && url === undefined) return null;
  const headers = Object.create(null) as Record<string, string>;
  let kept = 0;
  for (const attrs of [own, span]) {
    for (const [key, value] of attrs ?? []) {
      if (kept >= limits.headers) break;
      if (!key.startsWith(HEADER_PREFIX)) continue;
      const name = key.slice(HEADER_PREFIX.length);
      const text = valueText(value);
      if (name === '' || text === undefined || SENSITIVE_HEADERS.has(name.toLowerCase()) || name in headers) continue;
      headers[wellFormed(name.slice(0, 256))] = wellFormed(text.slice(0, limits.headerChars + 1));
      kept++;
    }
  }
  return {
    request_method: wellFormed((method ?? '').slice(0, 32)),
    request_url: wellFormed((url ?? '').slice(0, limits.urlChars + 1)),
    request_headers: kept === 0 ? null : headers,
    request_body: '',
  };
}
