import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LinkStatus } from '../../common/federation/source-link.js';
import type { TargetHealth } from '../scrape/target-health.js';

export interface AgentMetricsSources {
  readonly healths: () => TargetHealth[];
  readonly links: () => LinkStatus[];
  readonly stats: () => { groups: number; origins: number };
}

/**
 * The agent's own metrics (`crowsnest_agent_*`, plus Periskop's `periskop_instances_scrapped`), in
 * a registry of its own. Owned by the agent.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly scrapes: Counter<'service' | 'result'>;
  readonly scrapeSeconds: Histogram<'service'>;
  readonly bytes: Counter<'service'>;
  readonly unchanged: Counter<'service'>;
  readonly dropped: Counter<'reason'>;
  readonly increments: Counter<'service'>;

  constructor(sources: AgentMetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.scrapes = new Counter({ name: 'crowsnest_agent_scrapes_total', help: 'Scrapes by service and result (ok or the failure reason).', labelNames: ['service', 'result'], registers });
    this.scrapeSeconds = new Histogram({ name: 'crowsnest_agent_scrape_duration_seconds', help: 'Scrape duration.', labelNames: ['service'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers });
    this.bytes = new Counter({ name: 'crowsnest_agent_scraped_bytes_total', help: 'Bytes received from targets.', labelNames: ['service'], registers });
    this.unchanged = new Counter({ name: 'crowsnest_agent_unchanged_bodies_total', help: 'Bodies identical to the previous one (hashed, not parsed).', labelNames: ['service'], registers });
    this.dropped = new Counter({ name: 'crowsnest_agent_dropped_items_total', help: 'Payload items dropped, by reason.', labelNames: ['reason'], registers });
    this.increments = new Counter({ name: 'crowsnest_agent_error_increments_total', help: 'Error occurrences counted (sum of accepted deltas).', labelNames: ['service'], registers });
    new Gauge({
      name: 'crowsnest_agent_targets', help: 'Targets by state (up or down).', labelNames: ['service', 'state'], registers,
      collect() {
        this.reset();
        for (const h of sources.healths()) this.inc({ service: h.service, state: h.up ? 'up' : 'down' });
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
    new Gauge({ name: 'crowsnest_agent_groups', help: 'Error groups held.', registers, collect() { this.set(sources.stats().groups); } });
    new Gauge({ name: 'crowsnest_agent_origins', help: 'Origins (target instances, pushers) with counter state.', registers, collect() { this.set(sources.stats().origins); } });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
