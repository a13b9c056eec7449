import { Counter, type Registry } from 'prom-client';
import type { SentryRejectReason } from './sentry-error.js';

/** Item types SDKs send besides events; anything else is counted as `other` (bounded labels). */
const KNOWN_ITEM_TYPES = new Set([
  'session', 'sessions', 'client_report', 'transaction', 'attachment', 'span', 'profile', 'profile_chunk', 'replay_event',
  'replay_recording', 'replay_video', 'check_in', 'user_report', 'feedback', 'statsd', 'metric_buckets', 'log', 'otel_log',
  'security', 'raw_security', 'unreal_report', 'nel', 'form_data',
]);

/**
 * Metrics of the Sentry ingestion (`crowsnest_agent_sentry_*`), registered in the agent's registry.
 * Owned by the Sentry ingestion; lives as long as the agent.
 */
export class SentryMetrics {
  private readonly events: Counter<'service' | 'result'>;
  private readonly rejected: Counter<'reason'>;
  private readonly ignored: Counter<'type'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'crowsnest_agent_sentry_events_total',
      help: 'Sentry events by service and result: accepted (counted), duplicate (a retry of a counted event id), overflow (counted in the overflow group).',
      labelNames: ['service', 'result'], registers,
    });
    this.rejected = new Counter({ name: 'crowsnest_agent_sentry_rejected_total', help: 'Sentry requests refused, by reason.', labelNames: ['reason'], registers });
    this.ignored = new Counter({ name: 'crowsnest_agent_sentry_items_ignored_total', help: 'Envelope items accepted and ignored (sessions, transactions, ...), by type.', labelNames: ['type'], registers });
  }

  event(service: string, result: 'accepted' | 'duplicate' | 'overflow'): void {
    this.events.inc({ service, result });
  }

  reject(reason: SentryRejectReason): void {
    this.rejected.inc({ reason });
  }

  ignore(type: string): void {
    this.ignored.inc({ type: KNOWN_ITEM_TYPES.has(type) ? type : 'other' });
  }
}
