import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../../common/process-metrics.js';
import type { LinkStatus } from '../../common/federation/source-link.js';
import type { ServiceStats } from '../aggregate/aggregator.js';
import type { IngestAccounting } from '../aggregate/ingest-sink.js';
import type { OriginTombstoneStats } from '../aggregate/origin-tombstones.js';
import type { TargetHealth } from '../scrape/target-health.js';
import type { EventLoopMonitor } from './event-loop.js';

export interface AgentMetricsSources {
  readonly healths: () => TargetHealth[];
  readonly links: () => LinkStatus[];
  readonly stats: () => { groups: number; origins: number };
  /** Per service state sizes and group-cap figures. */
  readonly services?: () => ServiceStats[];
  /** The sample string interner's size. */
  readonly interner?: () => { entries: number; chars: number };
  /** The last counts kept for forgotten origins. */
  readonly originTombstones?: () => OriginTombstoneStats;
  readonly eventLoop?: EventLoopMonitor;
}

/**
 * The agent's own metrics (`crowsnest_agent_*`, plus Periskop's `periskop_instances_scrapped`), in
 * a registry of its own; other stages (Sentry ingestion) may register theirs in it. Counters are
 * incremented by the agent's wiring; gauges are read from their sources at each scrape of /metrics.
 * Owned by the agent.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  /** Scrapes by service and result: "ok" or the failure reason (timeout, connection, tls, http_status, redirect, body_too_large, decompress, invalid_json, invalid_payload, client_config). */
  readonly scrapes: Counter<'service' | 'result'>;
  readonly scrapeSeconds: Histogram<'service'>;
  readonly bytes: Counter<'service'>;
  readonly unchanged: Counter<'service'>;
  /** Payload items dropped, by reason (aggregate_invalid, aggregate_duplicate_key, aggregates_over_limit, sample_invalid). */
  readonly dropped: Counter<'reason'>;
  /** Items kept with a part cut, by reason (key_truncated, field_truncated, stack_truncated, cause_chain_truncated, ...). */
  readonly truncated: Counter<'reason'>;
  readonly increments: Counter<'service'>;
  /** Pushes by service and result ("ok" or the error code). */
  readonly pushes: Counter<'service' | 'result'>;
  readonly pushedBytes: Counter<'service'>;

  constructor(sources: AgentMetricsSources) {
    const registers = [this.registry];
    collectProcessMetrics(this.registry);
    this.scrapes = new Counter({ name: 'crowsnest_agent_scrapes_total', help: 'Scrapes by service and result (ok or the failure reason).', labelNames: ['service', 'result'], registers });
    this.scrapeSeconds = new Histogram({ name: 'crowsnest_agent_scrape_duration_seconds', help: 'Scrape duration.', labelNames: ['service'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers });
    this.bytes = new Counter({ name: 'crowsnest_agent_scraped_bytes_total', help: 'Bytes received from targets.', labelNames: ['service'], registers });
    this.unchanged = new Counter({ name: 'crowsnest_agent_unchanged_bodies_total', help: 'Bodies identical to the previous one (hashed, not parsed).', labelNames: ['service'], registers });
    this.dropped = new Counter({ name: 'crowsnest_agent_dropped_items_total', help: 'Payload items dropped, by reason.', labelNames: ['reason'], registers });
    this.truncated = new Counter({ name: 'crowsnest_agent_truncated_items_total', help: 'Payload items kept with a part cut at a limit (or a body with invalid UTF-8 replaced), by reason.', labelNames: ['reason'], registers });
    this.increments = new Counter({ name: 'crowsnest_agent_error_increments_total', help: 'Error occurrences counted (sum of accepted deltas).', labelNames: ['service'], registers });
    this.pushes = new Counter({ name: 'crowsnest_agent_pushes_total', help: 'Pushes (POST /errors, /push/{service}/errors) by service and result (ok or the error code).', labelNames: ['service', 'result'], registers });
    this.pushedBytes = new Counter({ name: 'crowsnest_agent_pushed_bytes_total', help: 'Bytes of push bodies received.', labelNames: ['service'], registers });
    new Gauge({
      name: 'crowsnest_agent_targets', help: 'Targets by state (up or down).', labelNames: ['service', 'state'], registers,
      collect() {
        this.reset();
        for (const h of sources.healths()) this.inc({ service: h.service, state: h.up ? 'up' : 'down' });
      },
    });
    new Gauge({
      name: 'crowsnest_agent_targets_failing', help: 'Targets whose last scrape failed, by service and reason.', labelNames: ['service', 'reason'], registers,
      collect() {
        this.reset();
        for (const h of sources.healths()) if (!h.up && h.lastFailure !== undefined) this.inc({ service: h.service, reason: h.lastFailure });
      },
    });
    new Gauge({
      name: 'periskop_instances_scrapped', help: 'Number of instances scraped (Periskop-compatible).', labelNames: ['service_name'], registers,
      collect() {
        this.reset();
        for (const h of sources.healths()) this.inc({ service_name: h.service });
      },
    });
    new Gauge({
      name: 'crowsnest_agent_upstream_connected', help: '1 when the link to a hub is up.', labelNames: ['hub'], registers,
      collect() {
        for (const l of sources.links()) this.set({ hub: l.url }, l.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'crowsnest_agent_pending_dirty_groups', help: 'Groups changed and not yet acknowledged by a hub.', labelNames: ['hub'], registers,
      collect() {
        for (const l of sources.links()) this.set({ hub: l.url }, l.pendingGroups);
      },
    });
    new Counter({
      name: 'crowsnest_agent_upstream_backpressure_waits_total', help: 'Sends to a hub that waited because it read slowly (changes coalesce meanwhile).', labelNames: ['hub'], registers,
      collect() {
        this.reset();
        for (const l of sources.links()) this.inc({ hub: l.url }, l.backpressureWaits);
      },
    });
    new Gauge({ name: 'crowsnest_agent_groups', help: 'Error groups held.', registers, collect() { this.set(sources.stats().groups); } });
    new Gauge({ name: 'crowsnest_agent_origins', help: 'Origins (target instances, pushers) with counter state.', registers, collect() { this.set(sources.stats().origins); } });
    const perService = (name: string, help: string, pick: (s: ServiceStats) => number) => new Gauge({
      name, help, labelNames: ['service'], registers,
      collect() {
        this.reset();
        for (const s of sources.services?.() ?? []) this.set({ service: s.service }, pick(s));
      },
    });
    perService('crowsnest_agent_service_origins', 'Origins with counter state per service (target instances, pushers).', (s) => s.origins);
    perService('crowsnest_agent_service_groups', 'Error groups held per service (capped by max_groups_per_service).', (s) => s.groups);
    perService('crowsnest_agent_tombstones', 'Counts of evicted groups kept per service (capped by max_tombstones_per_service).', (s) => s.tombstones);
    // Monotonic figures kept by the aggregator, exposed as counters.
    const perServiceCounter = (name: string, help: string, pick: (s: ServiceStats) => number) => new Counter({
      name, help, labelNames: ['service'], registers,
      collect() {
        this.reset();
        for (const s of sources.services?.() ?? []) this.inc({ service: s.service }, pick(s));
      },
    });
    perServiceCounter('crowsnest_agent_group_evictions_total', 'Groups evicted by the group cap (their counts kept in tombstones).', (s) => s.evictedGroups);
    perServiceCounter('crowsnest_agent_tombstone_evictions_total', 'Tombstones forgotten by the tombstone cap (such a group restarts from 0 if it comes back).', (s) => s.evictedTombstones);
    perServiceCounter('crowsnest_agent_groups_restored_total', 'Evicted groups that came back and resumed from their tombstone.', (s) => s.restored);
    const tombstones = () => sources.originTombstones?.() ?? { tombstones: 0, keys: 0, resumed: 0, evicted: { limit: 0, age: 0 } };
    new Gauge({ name: 'crowsnest_agent_origin_tombstones', help: 'Forgotten origins whose last counts are kept (capped by origin_tombstones).', registers, collect() { this.set(tombstones().tombstones); } });
    new Gauge({ name: 'crowsnest_agent_origin_tombstone_keys', help: 'Keys held in origin tombstones (about 16 bytes each).', registers, collect() { this.set(tombstones().keys); } });
    new Counter({ name: 'crowsnest_agent_origins_resumed_total', help: 'Forgotten origins that came back and resumed from their tombstone (not counted twice).', registers, collect() { this.reset(); this.inc(tombstones().resumed); } });
    new Counter({
      name: 'crowsnest_agent_origin_tombstones_evicted_total', help: 'Origin tombstones dropped before their origin came back, by reason (limit: origin_tombstones, age: origin_tombstone_ttl); such an origin is counted again in full if it returns.', labelNames: ['reason'], registers,
      collect() {
        this.reset();
        const { evicted } = tombstones();
        this.inc({ reason: 'limit' }, evicted.limit);
        this.inc({ reason: 'age' }, evicted.age);
      },
    });
    new Gauge({ name: 'crowsnest_agent_interned_strings', help: 'Distinct sample strings held once (interning).', registers, collect() { this.set(sources.interner?.().entries ?? 0); } });
    new Gauge({ name: 'crowsnest_agent_interned_chars', help: 'Characters of the interned sample strings.', registers, collect() { this.set(sources.interner?.().chars ?? 0); } });
    new Gauge({
      name: 'crowsnest_agent_event_loop_delay_seconds', help: 'Event loop delay since start (perf_hooks.monitorEventLoopDelay): quantile 0.5, 0.99 and 1 (the maximum).', labelNames: ['quantile'], registers,
      collect() {
        const d = sources.eventLoop?.delays() ?? { p50: 0, p99: 0, max: 0 };
        this.set({ quantile: '0.5' }, d.p50);
        this.set({ quantile: '0.99' }, d.p99);
        this.set({ quantile: '1' }, d.max);
      },
    });
  }

  /** The ingest sink's accounting, for every way in alike. */
  readonly accounting: IngestAccounting = {
    increments: (service, n) => this.increments.inc({ service }, n),
    dropped: (reason, n) => this.dropped.inc({ reason }, n),
    truncated: (reason, n) => this.truncated.inc({ reason }, n),
  };

  /** One finished scrape. */
  recordScrape(h: TargetHealth): void {
    this.scrapes.inc({ service: h.service, result: h.up ? 'ok' : (h.lastFailure ?? 'error') });
    this.scrapeSeconds.observe({ service: h.service }, h.durationMs / 1000);
    this.bytes.inc({ service: h.service }, h.bytes);
  }

  /** One push, by result ("ok" or the error code). */
  recordPush(service: string, result: string, bytes: number): void {
    this.pushes.inc({ service, result });
    this.pushedBytes.inc({ service }, bytes);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
