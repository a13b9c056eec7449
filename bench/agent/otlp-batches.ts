import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** What the OTLP benchmark sends: protobuf ExportTraceServiceRequests and how many exceptions they hold. */
export interface OtlpBatches {
  readonly bodies: readonly Buffer[];
  readonly exceptions: number;
  readonly groups: number;
}

/** A V8-style stack of `depth` frames whose top frame names group `g` (so there are `groups` keys). */
function stackOf(g: number, depth: number): string {
  const frames = [`    at handler${g} (/srv/app/dist/routes/route-${g}.js:${10 + g}:17)`];
  for (let i = 1; i < depth; i++) frames.push(`    at layer${i} (/srv/app/node_modules/framework/lib/layer-${i}.js:${100 + i}:9)`);
  return [`TypeError: cannot read properties of undefined (reading 'id${g}')`, ...frames].join('\n');
}

/**
 * Builds `batches` protobuf bodies of `batchSize` spans each, every span with one exception event,
 * written by the real OpenTelemetry SDK's serializer (so the bytes are what an exporter sends): span
 * attributes with an HTTP request, exception type, message and a 12-frame stack, spread over
 * `groups` groups of service `service`. Every span has its own ids, so no batch is a retry.
 */
export async function otlpBatches(batches: number, batchSize: number, groups: number, service: string): Promise<OtlpBatches> {
  const stacks = Array.from({ length: groups }, (_, g) => stackOf(g, 12));
  const bodies: Buffer[] = [];
  const resource = resourceFromAttributes({ 'service.name': service, 'service.version': '1.0.0', 'host.name': 'bench' });
  for (let b = 0; b < batches; b++) {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('bench');
    for (let i = 0; i < batchSize; i++) {
      const g = (b * batchSize + i) % groups;
      const span = tracer.startSpan(`GET /route/${g}`, {
        attributes: { 'http.request.method': 'GET', 'url.full': `https://shop.example/route/${g}?page=${i}`, 'http.response.status_code': 500, 'http.request.header.user-agent': ['bench/1.0'] },
      });
      span.recordException({ name: 'TypeError', message: `cannot read properties of undefined (reading 'id${g}')`, stack: stacks[g] as string });
      span.end();
    }
    await provider.forceFlush();
    bodies.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) ?? []));
    await provider.shutdown();
  }
  return { bodies, exceptions: batches * batchSize, groups };
}
