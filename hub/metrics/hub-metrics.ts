import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LinkStatus } from '../../common/federation/source-link.js';
import { collectProcessMetrics } from '../../common/process-metrics.js';
import type { HubState } from '../state/hub-state.js';
import { OccurrenceExposition, type OccurrencesOptions } from './occurrences.js';

/** Figures of the live stream (SSE), read at scrape time. */
export interface LiveFigures {
  readonly clients: number;
  readonly dropped: number;
  readonly events: number;
}

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
  readonly alertmanagerPosts: Counter<'channel' | 'result'>;
  readonly alertmanagerActive: Gauge<'channel'>;
  readonly snapshotFailures: Counter;
  readonly snapshotLastSuccess: Gauge;
  readonly seriesBuckets: Gauge;
  private readonly seriesDropped: Gauge;
  private readonly seriesExposed: Gauge;
  private readonly exposition: OccurrenceExposition;
  /** Set by the hub once its live stream exists. */
  live: LiveFigures | undefined;
  /** Set by the hub when it streams into parents (`hub.upstream`): one status per parent link. */
  upstreams: (() => LinkStatus[]) | undefined;
  /** Set by the hub: the last write to data_dir failed for want of space. */
  storageFull: (() => boolean) | undefined;

  constructor(
    state: HubState,
    occurrences: OccurrencesOptions,
    connected: () => number,
  ) {
    this.exposition = new OccurrenceExposition(state, occurrences);
    const registers = [this.registry];
    collectProcessMetrics(this.registry);
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
    this.alertmanagerPosts = new Counter({ name: 'crowsnest_hub_alertmanager_posts_total', help: 'Posts of alerts to an Alertmanager channel, by channel name and result (ok, error).', labelNames: ['channel', 'result'], registers });
    this.alertmanagerActive = new Gauge({ name: 'crowsnest_hub_alertmanager_active_alerts', help: 'Alerts an Alertmanager channel last told Alertmanager are active, by channel name.', labelNames: ['channel'], registers });
    this.seriesDropped = new Gauge({ name: 'crowsnest_hub_metrics_series_dropped', help: 'Groups left out of periskop_error_occurrences by metrics.max_series.', registers });
    this.seriesExposed = new Gauge({ name: 'crowsnest_hub_metrics_series', help: 'periskop_error_occurrences series in the last exposition (at most metrics.max_series).', registers });
    this.snapshotFailures = new Counter({ name: 'crowsnest_hub_snapshot_failures_total', help: 'Snapshots that failed (the previous one is kept).', registers });
    this.snapshotLastSuccess = new Gauge({ name: 'crowsnest_hub_snapshot_last_success_timestamp_seconds', help: 'When the last snapshot was written.', registers });
    this.seriesBuckets = new Gauge({ name: 'crowsnest_hub_series_buckets', help: 'Non-empty time-series buckets held over all groups and services (counted at each snapshot; about 16 bytes each).', registers });
    const sourceStates = state.sources;
    new Gauge({
      name: 'crowsnest_hub_sources', help: 'Sources (agents, child hubs) this hub knows, by kind and connection state.', labelNames: ['kind', 'state'], registers,
      collect() {
        this.reset();
        for (const s of sourceStates.values()) this.inc({ kind: s.kind, state: s.connected ? 'connected' : 'disconnected' });
      },
    });
    const samples = state.samples;
    new Gauge({ name: 'crowsnest_hub_sample_bytes', help: 'Approximate bytes of samples and their search text, charged against hub.sample_budget_bytes.', registers, collect() { this.set(samples.bytes); } });
    new Gauge({ name: 'crowsnest_hub_sample_budget_bytes', help: 'hub.sample_budget_bytes.', registers, collect() { this.set(samples.options.budgetBytes); } });
    new Gauge({ name: 'crowsnest_hub_sample_groups', help: 'Groups holding samples.', registers, collect() { this.set(samples.groups); } });
    let evictedBefore = 0;
    new Counter({
      name: 'crowsnest_hub_sample_evictions_total', help: 'Groups whose samples the byte budget took (their counts are kept).', registers,
      collect() {
        this.inc(samples.evictions - evictedBefore);
        evictedBefore = samples.evictions;
      },
    });
    new Gauge({ name: 'crowsnest_hub_sample_intern_entries', help: 'Distinct stack traces, classes and messages in the intern table.', registers, collect() { this.set(samples.intern.stats().entries); } });
    new Gauge({ name: 'crowsnest_hub_sample_intern_bytes', help: 'Approximate bytes of the intern table.', registers, collect() { this.set(samples.intern.stats().bytes); } });
    new Gauge({
      name: 'crowsnest_hub_memory_bytes', help: 'Memory of the hub process, by type (rss, heap_used, heap_total, external, array_buffers).', labelNames: ['type'], registers,
      collect() {
        const m = process.memoryUsage();
        this.set({ type: 'rss' }, m.rss);
        this.set({ type: 'heap_used' }, m.heapUsed);
        this.set({ type: 'heap_total' }, m.heapTotal);
        this.set({ type: 'external' }, m.external);
        this.set({ type: 'array_buffers' }, m.arrayBuffers);
      },
    });
    const upstreams = () => this.upstreams?.() ?? [];
    new Gauge({
      name: 'crowsnest_hub_upstream_connected', help: '1 when the link to a parent hub (hub.upstream) is up, by parent URL.', labelNames: ['hub'], registers,
      collect() {
        for (const u of upstreams()) this.set({ hub: u.url }, u.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'crowsnest_hub_upstream_pending_groups', help: 'Groups changed and not yet acknowledged by a parent hub, by parent URL.', labelNames: ['hub'], registers,
      collect() {
        for (const u of upstreams()) this.set({ hub: u.url }, u.pendingGroups);
      },
    });
    new Counter({
      name: 'crowsnest_hub_upstream_backpressure_waits_total', help: 'Sends to a parent hub that waited because it read slowly (changes coalesce meanwhile).', labelNames: ['hub'], registers,
      collect() {
        this.reset();
        for (const u of upstreams()) this.inc({ hub: u.url }, u.backpressureWaits);
      },
    });
    const live = () => this.live;
    new Gauge({ name: 'crowsnest_hub_live_clients', help: 'Browsers connected to the live stream (/api/v1/events).', registers, collect() { this.set(live()?.clients ?? 0); } });
    let droppedBefore = 0;
    new Counter({
      name: 'crowsnest_hub_live_clients_dropped_total', help: 'Live-stream clients dropped for reading too slowly (they reconnect).', registers,
      collect() {
        const d = live()?.dropped ?? 0;
        this.inc(d - droppedBefore);
        droppedBefore = d;
      },
    });
    let eventsBefore = 0;
    new Counter({
      name: 'crowsnest_hub_live_events_total', help: 'Live-stream events sent (after coalescing), summed over clients.', registers,
      collect() {
        const e = live()?.events ?? 0;
        this.inc(e - eventsBefore);
        eventsBefore = e;
      },
    });
    new Gauge({ name: 'crowsnest_hub_sources_connected', help: 'Sources (agents, child hubs) connected now.', registers, collect() { this.set(connected()); } });
    const stat = (name: string, help: string, pick: (s: ReturnType<HubState['stats']>) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(state.stats())); } });
    stat('crowsnest_hub_groups', 'Error groups held.', (s) => s.groups);
    stat('crowsnest_hub_samples', 'Samples held.', (s) => s.samples);
    stat('crowsnest_hub_services', 'Services held.', (s) => s.services);
    stat('crowsnest_hub_lineages', 'Lineages (agent epochs) held.', (s) => s.lineages);
    const storageFull = () => this.storageFull?.() ?? false;
    new Gauge({ name: 'crowsnest_hub_storage_full', help: '1 while data_dir has no space: resolves answer 507 storage_full and snapshots fail.', registers, collect() { this.set(storageFull() ? 1 : 0); } });
    const bounds = state.bounds;
    /** A counter by reason that follows totals kept by the state (collected on scrape). */
    const byReason = <R extends string>(name: string, help: string, totals: Record<R, number>) => {
      const seen = Object.fromEntries(Object.keys(totals).map((r) => [r, 0])) as Record<R, number>;
      new Counter({
        name, help, labelNames: ['reason'], registers,
        collect() {
          for (const reason of Object.keys(totals) as R[]) {
            this.inc({ reason }, totals[reason] - seen[reason]);
            seen[reason] = totals[reason];
          }
        },
      });
    };
    byReason('crowsnest_hub_groups_forgotten_total', 'Groups forgotten: unchanged past hub.retention, or the least recently seen over hub.max_groups.', bounds.forgotten);
    byReason('crowsnest_hub_groups_refused_total', 'New groups not created: hub.max_groups full of groups still occurring, or the source over hub.limits.groupsPerSource.', bounds.refused);
  }

  /** The whole exposition: error counts first, then the hub's own metrics. */
  async render(): Promise<string> {
    const { text, dropped, series } = this.exposition.render();
    this.seriesDropped.set(dropped);
    this.seriesExposed.set(series);
    return text + (await this.registry.metrics());
  }
}
