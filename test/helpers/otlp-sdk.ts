import type { Logger, Tracer } from '@opentelemetry/api';
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** An export request in both OTLP/HTTP encodings, as the real SDK's serializers write it. */
export interface OtlpBodies {
  readonly proto: Buffer;
  readonly json: Buffer;
}

/** Runs `record` against a real tracer and serializes the finished spans of service `service`. */
export async function traceBodies(service: string | undefined, record: (tracer: Tracer) => void): Promise<OtlpBodies> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(service === undefined ? {} : { 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  record(provider.getTracer('test'));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return { proto: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? []), json: Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? []) };
}

/** Runs `record` against a real logger and serializes the emitted records of service `service`. */
export async function logBodies(service: string | undefined, record: (logger: Logger) => void): Promise<OtlpBodies> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(service === undefined ? {} : { 'service.name': service }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  record(provider.getLogger('test'));
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return { proto: Buffer.from(ProtobufLogsSerializer.serializeRequest(records) ?? []), json: Buffer.from(JsonLogsSerializer.serializeRequest(records) ?? []) };
}
