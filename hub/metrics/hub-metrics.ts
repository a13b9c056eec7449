import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HubState } from '../state/hub-state.js';
import { type OccurrencesOptions, renderOccurrences } from './occurrences.js';

/**
 * The hub's own `crowsnest_hub_*` metrics plus the fleet-wide error counts. Owned by the hub; one
 * registry per hub (a process running hub and agent keeps them apart).
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly messagesIn: Counter<'type'>;
  readonly bytesIn: Counter;
  readonly groupUpdates: Counter;
  readonly mergeSeconds: Histogram;
  readonly snapshotSeconds: Histogram;
  readonly snapshotBytes: Gauge;
  readonly rejected: Counter<'reason'>;
  readonly protocolErrors: Counter<'code'>;
  readonly notificationsSent: Counter<'result'>;
  private readonly seriesDropped: Gauge;

  constructor(
    private readonly state: HubState,
    private readonly occurrences: OccurrencesOptions,
    connected: () => number,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.messagesIn = new Counter({ name: 'crowsnest_hub_messages_received_total', help: 'Federation messages merged, by type.', labelNames: ['type'], registers });
    this.bytesIn = new Counter({ name: 'crowsnest_hub_bytes_received_total', help: 'Federation bytes received.', registers });
    this.groupUpdates = new Counter({ name: 'crowsnest_hub_group_updates_total', help: 'Group updates merged.', registers });
    this.mergeSeconds = new Histogram({
      name: 'crowsnest_hub_merge_duration_seconds', help: 'Time to decode, validate and merge one federation message.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers,
    });
    this.snapshotSeconds = new Histogram({ name: 'crowsnest_hub_snapshot_duration_seconds', help: 'Time to write a snapshot.', buckets: [0.01, 0.1, 0.5, 1, 5, 10, 30], registers });
    this.snapshotBytes = new Gauge({ name: 'crowsnest_hub_snapshot_bytes', help: 'Size of the last snapshot.', registers });
    this.rejected = new Counter({ name: 'crowsnest_hub_federation_rejected_total', help: 'Federation upgrades refused, by reason.', labelNames: ['reason'], registers });
    this.protocolErrors = new Counter({ name: 'crowsnest_hub_federation_errors_total', help: 'Federation connections closed for a protocol error, by code.', labelNames: ['code'], registers });
    this.notificationsSent = new Counter({ name: 'crowsnest_hub_notifications_total', help: 'Notification deliveries, by result.', labelNames: ['result'], registers });
    this.seriesDropped = new Gauge({ name: 'crowsnest_hub_metrics_series_dropped', help: 'Groups left out of periskop_error_occurrences by metrics.max_series.', registers });
    new Gauge({ name: 'crowsnest_hub_sources_connected', help: 'Sources (agents, child hubs) connected now.', registers, collect() { this.set(connected()); } });
    const stat = (name: string, help: string, pick: (s: ReturnType<HubState['stats']>) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(state.stats())); } });
    stat('crowsnest_hub_groups', 'Error groups held.', (s) => s.groups);
    stat('crowsnest_hub_samples', 'Samples held.', (s) => s.samples);
    stat('crowsnest_hub_services', 'Services held.', (s) => s.services);
    stat('crowsnest_hub_lineages', 'Lineages (agent epochs) held.', (s) => s.lineages);
  }

  /** The whole exposition: error counts first, then the hub's own metrics. */
  async render(): Promise<string> {
    const { text, dropped } = renderOccurrences(this.state, this.occurrences);
    this.seriesDropped.set(dropped);
    return text + (await this.registry.metrics());
  }
}
