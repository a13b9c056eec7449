import { Counter, type Registry } from 'prom-client';
import type { Signal } from './otlp-proto.js';
import type { OtlpRejectReason } from './otlp-error.js';
import { type ExceptionResult, OtlpFigures } from './otlp-figures.js';

/**
 * Metrics of the OTLP ingestion (`crowsnest_agent_otlp_*`), registered in the agent's registry, and
 * the same figures as plain numbers for the agent's report to its hubs (`figures`).
 * Owned by the OTLP ingestion; lives as long as the agent.
 */
export class OtlpMetrics {
  private readonly exceptions: Counter<'signal' | 'result'>;
  private readonly items: Counter<'signal'>;
  private readonly ignored: Counter<'signal'>;
  private readonly rejected: Counter<'reason'>;
  readonly figures: OtlpFigures;

  constructor(registry: Registry, onFiguresChanged?: () => void) {
    this.figures = new OtlpFigures(onFiguresChanged);
    const registers = [registry];
    this.exceptions = new Counter({
      name: 'crowsnest_agent_otlp_exceptions_total',
      help: 'Exceptions from OTLP span events and log records, by signal and result: accepted (counted), duplicate (an exporter retry of one already counted), '
        + 'overflow (counted in the overflow group), rate_limited and too_many_services (rejected in a partial success).',
      labelNames: ['signal', 'result'], registers,
    });
    this.items = new Counter({ name: 'crowsnest_agent_otlp_items_total', help: 'Spans and log records received in accepted OTLP requests, by signal.', labelNames: ['signal'], registers });
    this.ignored = new Counter({ name: 'crowsnest_agent_otlp_items_ignored_total', help: 'Spans and log records without an exception (received and ignored), by signal.', labelNames: ['signal'], registers });
    this.rejected = new Counter({ name: 'crowsnest_agent_otlp_rejected_total', help: 'OTLP requests refused, by reason.', labelNames: ['reason'], registers });
  }

  exception(signal: Signal, result: ExceptionResult, n = 1): void {
    if (n <= 0) return;
    this.exceptions.inc({ signal, result }, n);
    this.figures.exception(signal, result, n);
  }

  batch(signal: Signal, items: number, ignored: number): void {
    if (items > 0) this.items.inc({ signal }, items);
    if (ignored > 0) this.ignored.inc({ signal }, ignored);
    if (items > 0 || ignored > 0) this.figures.batch(signal, items, ignored);
  }

  reject(reason: OtlpRejectReason): void {
    this.rejected.inc({ reason });
    this.figures.reject(reason);
  }
}
