import { createHash } from 'node:crypto';
import type { Limits } from '../../../common/limits.js';
import { type Severity, toSeverity } from '../../../common/severity.js';
import { buildException, isWantedKey, type OtlpException, serviceName } from './otlp-exception.js';
import { isResourceKey, resourceTags } from './otlp-resource.js';
import { attributeMap, idHex, int64, items, type LogsRequest, type OtlpLogRecord, type TracesRequest, valueText } from './otlp-model.js';

/** What a batch holds, as the ingest needs it. Lives for one request. */
export interface MappedBatch {
  readonly exceptions: OtlpException[];
  /** Spans or log records in the batch. */
  readonly items: number;
  /** Spans or log records with no exception (counted, otherwise ignored). */
  readonly ignored: number;
}

/** The name OpenTelemetry gives an exception span event (`span.recordException`). */
export const EXCEPTION_EVENT = 'exception';
/** Characters of the stack that enter a log record's identity. */
const IDENTITY_STACK_CHARS = 4_096;

const NS_PER_MS = 1e6;

/**
 * The exceptions of an ExportTraceServiceRequest: every span event named `exception`, with the
 * span's attributes for HTTP context. Severity is error. Identity across retries: trace id, span id
 * and the event's index in the span (span ids are unique). Pure.
 */
export function mapTraces(request: TracesRequest, defaultService: string, limits: Limits, receivedAt: number): MappedBatch {
  const exceptions: OtlpException[] = [];
  let spans = 0;
  let ignored = 0;
  for (const rs of items(request.resourceSpans)) {
    const resource = attributeMap(rs?.resource?.attributes, isResourceKey);
    const service = serviceName(resource, defaultService);
    const tags = resourceTags(resource);
    for (const ss of items(rs?.scopeSpans)) {
      for (const span of items(ss?.spans)) {
        const item = spans++;
        const events = items(span?.events);
        let found = 0;
        let spanAttrs: ReturnType<typeof attributeMap> | undefined;
        for (let i = 0; i < events.length; i++) {
          const event = events[i];
          if (event?.name !== EXCEPTION_EVENT) continue;
          spanAttrs ??= attributeMap(span.attributes, isWantedKey);
          const traceId = idHex(span.traceId);
          const spanId = idHex(span.spanId);
          found++;
          exceptions.push(buildException({
            service, tags, own: attributeMap(event.attributes, isWantedKey), span: spanAttrs, severity: 'error',
            timestamp: int64(event.timeUnixNano) / NS_PER_MS, uuid: `${traceId}-${spanId}-${i}`,
            dedupId: `s${traceId}${spanId}${i}`, item,
          }, limits, receivedAt));
        }
        if (found === 0) ignored++;
      }
    }
  }
  return { exceptions, items: spans, ignored };
}

/**
 * The exceptions of an ExportLogsServiceRequest: every log record with `exception.type` or
 * `exception.message`. Severity from SeverityNumber (otlp-severity in README.md). Identity across
 * retries: a hash of the record (service, times, trace and span id, severity, exception attributes)
 * plus how many identical records came before it in the batch, so equal records of one batch all count
 * and a resent batch counts none of them again. Pure.
 */
export function mapLogs(request: LogsRequest, defaultService: string, limits: Limits, receivedAt: number): MappedBatch {
  const exceptions: OtlpException[] = [];
  const seen = new Map<string, number>();
  let records = 0;
  let ignored = 0;
  for (const rl of items(request.resourceLogs)) {
    const resource = attributeMap(rl?.resource?.attributes, isResourceKey);
    const service = serviceName(resource, defaultService);
    const tags = resourceTags(resource);
    for (const sl of items(rl?.scopeLogs)) {
      for (const record of items(sl?.logRecords)) {
        const item = records++;
        const own = attributeMap(record?.attributes, isWantedKey);
        if (!own.has('exception.type') && !own.has('exception.message')) {
          ignored++;
          continue;
        }
        const identity = recordIdentity(service, record, own);
        const ordinal = seen.get(identity) ?? 0;
        seen.set(identity, ordinal + 1);
        const time = int64(record.timeUnixNano) || int64(record.observedTimeUnixNano);
        exceptions.push(buildException({
          service, tags, own, span: undefined, severity: severityOfRecord(record.severityNumber, record.severityText),
          timestamp: time / NS_PER_MS, uuid: `${identity.slice(0, 32)}-${ordinal}`, dedupId: `l:${identity}:${ordinal}`, item,
          fallbackMessage: valueText(record.body ?? undefined),
        }, limits, receivedAt));
      }
    }
  }
  return { exceptions, items: records, ignored };
}

/**
 * SeverityNumber -> Periskop severity: 1-12 (TRACE, DEBUG, INFO) info, 13-16 (WARN) warning, 17-24
 * (ERROR, FATAL) error; unspecified (0) or out of range: the SeverityText read as a level, else error.
 */
export function severityOfRecord(severityNumber: unknown, severityText: unknown): Severity {
  const n = typeof severityNumber === 'number' ? severityNumber : 0;
  if (n >= 1 && n <= 12) return 'info';
  if (n >= 13 && n <= 16) return 'warning';
  if (n >= 17 && n <= 24) return 'error';
  if (typeof severityText === 'string' && /^trace/i.test(severityText)) return 'info';
  return toSeverity(typeof severityText === 'string' ? severityText.replace(/\d+$/, '') : undefined);
}

function recordIdentity(service: string, record: OtlpLogRecord, own: ReadonlyMap<string, unknown>): string {
  const text = (key: string) => valueText(own.get(key) as never) ?? '';
  return createHash('sha256')
    .update([
      service, String(record.timeUnixNano ?? ''), String(record.observedTimeUnixNano ?? ''), idHex(record.traceId), idHex(record.spanId),
      String(record.severityNumber ?? ''), text('exception.type'), text('exception.message'), text('exception.stacktrace').slice(0, IDENTITY_STACK_CHARS),
    ].join('\u0000'))
    .digest('hex');
}
