// The real OpenTelemetry JS SDK in a child process, driven by a test: `node otlp-sdk-child.mjs '<json>'`
// with {base, token, exporter, service, count, resource?} (`resource`: more resource attributes). `exporter` is traces-proto, traces-json or logs-proto.
// It records `count` exceptions thrown by loadOrder (with HTTP attributes), 2 by chargeCard, and 5
// spans or log records without an exception, then shuts the provider down (which exports everything)
// and prints one JSON line.
import { resourceFromAttributes } from '@opentelemetry/resources';

const args = JSON.parse(process.argv[2] ?? '{}');
const headers = { authorization: `Bearer ${args.token}` };
const resource = resourceFromAttributes({ 'service.name': args.service, 'service.version': '1.2.3', ...(args.resource ?? {}) });

function loadOrder(i) {
  throw new TypeError(`order ${i} has no customer`);
}
function chargeCard() {
  throw new RangeError('amount out of range');
}
function caught(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

async function traces() {
  const { BatchSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
  const { OTLPTraceExporter } = args.exporter === 'traces-json'
    ? await import('@opentelemetry/exporter-trace-otlp-http')
    : await import('@opentelemetry/exporter-trace-otlp-proto');
  const exporter = new OTLPTraceExporter({ url: `${args.base}/v1/traces`, headers, compression: args.exporter === 'traces-proto' ? 'gzip' : 'none' });
  const provider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 7, scheduledDelayMillis: 50 })] });
  const tracer = provider.getTracer('shop');
  for (let i = 0; i < args.count; i++) {
    const span = tracer.startSpan('GET /orders/:id', {
      attributes: {
        'http.request.method': 'GET', 'url.full': `http://shop.test/orders/${i}`, 'http.request.header.x-request-id': [`req-${i}`],
        'http.request.header.authorization': ['Bearer user-secret'],
      },
    });
    span.addEvent('cache miss');
    span.recordException(caught(() => loadOrder(i)));
    span.end();
  }
  for (let i = 0; i < 2; i++) {
    const span = tracer.startSpan('POST /pay', { attributes: { 'http.method': 'POST', 'http.url': 'http://shop.test/pay' } });
    span.recordException(caught(chargeCard));
    span.end();
  }
  for (let i = 0; i < 5; i++) {
    const span = tracer.startSpan('GET /health');
    span.addEvent('checked');
    span.end();
  }
  await provider.shutdown();
}

async function logs() {
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
  const exporter = new OTLPLogExporter({ url: `${args.base}/v1/logs`, headers });
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 7, scheduledDelayMillis: 50 })] });
  const logger = provider.getLogger('shop');
  for (let i = 0; i < args.count; i++) {
    logger.emit({ severityNumber: 17, severityText: 'ERROR', body: 'loading the order failed', exception: caught(() => loadOrder(i)), attributes: { 'http.request.method': 'GET', 'url.full': `http://shop.test/orders/${i}` } });
  }
  for (let i = 0; i < 2; i++) logger.emit({ severityNumber: 13, severityText: 'WARN', body: 'payment retried', exception: caught(chargeCard) });
  for (let i = 0; i < 5; i++) logger.emit({ severityNumber: 9, severityText: 'INFO', body: `request ${i} served` });
  await provider.shutdown();
}

await (args.exporter === 'logs-proto' ? logs() : traces());
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
