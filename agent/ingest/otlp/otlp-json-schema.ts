import { z } from 'zod';

/**
 * OTLP/JSON requests (ExportTraceServiceRequest, ExportLogsServiceRequest) as the agent reads them:
 * lowerCamelCase keys, trace and span ids as hex, 64-bit integers as decimal strings (numbers are
 * accepted too), enums as integers. Only the fields the mapping reads are declared; unknown fields are
 * ignored. Attribute values (AnyValue) are left unparsed here and read by otlp-model.ts without
 * recursion, so nesting depth never matters. A body that does not fit is answered 400.
 */
const Int64Schema = z.union([z.string().max(32), z.number()]).nullish();
const IdSchema = z.string().max(64).nullish();

const KeyValueSchema = z.looseObject({ key: z.string(), value: z.unknown().optional() });
const AttributesSchema = z.array(KeyValueSchema).nullish();
const ResourceSchema = z.looseObject({ attributes: AttributesSchema }).nullish();

const EventSchema = z.looseObject({ timeUnixNano: Int64Schema, name: z.string().nullish(), attributes: AttributesSchema });

const SpanSchema = z.looseObject({
  traceId: IdSchema,
  spanId: IdSchema,
  name: z.string().nullish(),
  startTimeUnixNano: Int64Schema,
  attributes: AttributesSchema,
  events: z.array(EventSchema).nullish(),
});

export const TracesJsonSchema = z.looseObject({
  resourceSpans: z.array(z.looseObject({
    resource: ResourceSchema,
    scopeSpans: z.array(z.looseObject({ spans: z.array(SpanSchema).nullish() })).nullish(),
  })).nullish(),
});

const LogRecordSchema = z.looseObject({
  timeUnixNano: Int64Schema,
  observedTimeUnixNano: Int64Schema,
  severityNumber: z.number().int().nullish(),
  severityText: z.string().nullish(),
  body: z.unknown().optional(),
  attributes: AttributesSchema,
  traceId: IdSchema,
  spanId: IdSchema,
  eventName: z.string().nullish(),
});

export const LogsJsonSchema = z.looseObject({
  resourceLogs: z.array(z.looseObject({
    resource: ResourceSchema,
    scopeLogs: z.array(z.looseObject({ logRecords: z.array(LogRecordSchema).nullish() })).nullish(),
  })).nullish(),
});
