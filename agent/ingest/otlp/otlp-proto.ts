import protobuf from 'protobufjs/light.js';

/**
 * The OTLP messages the agent reads and answers with, as a protobufjs JSON descriptor written from
 * opentelemetry-proto's field numbers (common/v1, resource/v1, trace/v1, logs/v1, the collector
 * services' requests and responses, and google.rpc.Status for refusals). Only the fields the mapping
 * reads are declared; every other field (span kind, links, scope, flags, ...) is skipped by the decoder
 * as an unknown field, so newer exporters decode as well. Field names are the lowerCamelCase names of
 * OTLP/JSON, so a decoded protobuf message and a parsed JSON request have the same shape
 * (otlp-model.ts). 64-bit fields arrive as `Long`, bytes as `Uint8Array`.
 */
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

const DESCRIPTOR = {
  nested: {
    otlp: {
      nested: {
        // The oneof `value` of AnyValue is declared as plain fields: protobufjs' oneof setter deletes the
        // other members on every set, which costs more than the whole decode. The reader takes the member
        // the message holds as an own property (otlp-model.ts).
        AnyValue: {
          fields: {
            stringValue: field('string', 1),
            boolValue: field('bool', 2),
            intValue: field('int64', 3),
            doubleValue: field('double', 4),
            arrayValue: field('ArrayValue', 5),
            kvlistValue: field('KeyValueList', 6),
            bytesValue: field('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
        KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
        KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
        Resource: { fields: { attributes: repeated('KeyValue', 1) } },
        Event: { fields: { timeUnixNano: field('fixed64', 1), name: field('string', 2), attributes: repeated('KeyValue', 3) } },
        Span: {
          fields: {
            traceId: field('bytes', 1),
            spanId: field('bytes', 2),
            name: field('string', 5),
            startTimeUnixNano: field('fixed64', 7),
            attributes: repeated('KeyValue', 9),
            events: repeated('Event', 11),
          },
        },
        ScopeSpans: { fields: { spans: repeated('Span', 2) } },
        ResourceSpans: { fields: { resource: field('Resource', 1), scopeSpans: repeated('ScopeSpans', 2) } },
        ExportTraceServiceRequest: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
        LogRecord: {
          fields: {
            timeUnixNano: field('fixed64', 1),
            severityNumber: field('int32', 2),
            severityText: field('string', 3),
            body: field('AnyValue', 5),
            attributes: repeated('KeyValue', 6),
            traceId: field('bytes', 9),
            spanId: field('bytes', 10),
            observedTimeUnixNano: field('fixed64', 11),
            eventName: field('string', 12),
          },
        },
        ScopeLogs: { fields: { logRecords: repeated('LogRecord', 2) } },
        ResourceLogs: { fields: { resource: field('Resource', 1), scopeLogs: repeated('ScopeLogs', 2) } },
        ExportLogsServiceRequest: { fields: { resourceLogs: repeated('ResourceLogs', 1) } },
        ExportTracePartialSuccess: { fields: { rejectedSpans: field('int64', 1), errorMessage: field('string', 2) } },
        ExportTraceServiceResponse: { fields: { partialSuccess: field('ExportTracePartialSuccess', 1) } },
        ExportLogsPartialSuccess: { fields: { rejectedLogRecords: field('int64', 1), errorMessage: field('string', 2) } },
        ExportLogsServiceResponse: { fields: { partialSuccess: field('ExportLogsPartialSuccess', 1) } },
        Status: { fields: { code: field('int32', 1), message: field('string', 2) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const type = (name: string) => root.lookupType(`otlp.${name}`);

export const TraceRequestType = type('ExportTraceServiceRequest');
export const LogsRequestType = type('ExportLogsServiceRequest');
const TraceResponseType = type('ExportTraceServiceResponse');
const LogsResponseType = type('ExportLogsServiceResponse');
const StatusType = type('Status');

/** The signals the agent takes. */
export type Signal = 'traces' | 'logs';

/**
 * Decodes a protobuf request body. Throws on truncated or malformed data (a wrong wire type, a
 * length past the end, nesting deeper than protobufjs' recursion limit of 100); the caller answers 400.
 */
export function decodeProtobuf(signal: Signal, body: Uint8Array): unknown {
  return (signal === 'traces' ? TraceRequestType : LogsRequestType).decode(body);
}

/** What an export is answered with: nothing rejected, or how many items were and why. */
export interface PartialSuccess {
  readonly rejected: number;
  readonly message: string;
}

/** The ExportTraceServiceResponse / ExportLogsServiceResponse, protobuf-encoded. */
export function encodeResponse(signal: Signal, partial: PartialSuccess | undefined): Uint8Array {
  if (signal === 'traces') {
    const payload = partial === undefined ? {} : { partialSuccess: { rejectedSpans: partial.rejected, errorMessage: partial.message } };
    return TraceResponseType.encode(TraceResponseType.fromObject(payload)).finish();
  }
  const payload = partial === undefined ? {} : { partialSuccess: { rejectedLogRecords: partial.rejected, errorMessage: partial.message } };
  return LogsResponseType.encode(LogsResponseType.fromObject(payload)).finish();
}

/** The same response in OTLP/JSON (int64 as a decimal string, as the JSON mapping writes it). */
export function responseJson(signal: Signal, partial: PartialSuccess | undefined): Record<string, unknown> {
  if (partial === undefined) return {};
  const count = String(partial.rejected);
  return { partialSuccess: signal === 'traces' ? { rejectedSpans: count, errorMessage: partial.message } : { rejectedLogRecords: count, errorMessage: partial.message } };
}

/** A google.rpc.Status, the body of a refusal (gRPC code, message), protobuf-encoded. */
export function encodeStatus(code: number, message: string): Uint8Array {
  return StatusType.encode(StatusType.fromObject({ code, message })).finish();
}
