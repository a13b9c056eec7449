import type { Logger } from 'pino';
import type { Upstream as UpstreamConfig } from '../../common/config/schema.js';
import { LINK_DEFAULTS, type LinkStatus, SourceLink } from '../../common/federation/source-link.js';
import { PROTOCOL_VERSION } from '../../common/federation/messages.js';
import { VERSION } from '../../common/version.js';
import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import { HubLinkSource } from './hub-link-source.js';

export interface UpstreamOptions {
  /** One parent of `hub.upstream`. */
  readonly config: UpstreamConfig;
  readonly hubId: string;
  readonly epoch: string;
  readonly frameBytes: number;
  readonly logger: Logger;
}

/**
 * Streams this hub's state into one parent hub (an entry of `hub.upstream`): a SourceLink of kind
 * 'hub' whose groups carry per-lineage counts. A hub with several parents (an HA pair above it) has
 * one Upstream per parent, each with its own pending set, backoff and acks, as an agent has one
 * link per hub. The hello's path lists this hub and the longest path of its
 * connected child hubs, so a parent can refuse loops and chains deeper than 8.
 * Owned by the hub (one per parent); lives until close().
 */
export class Upstream {
  private readonly link: SourceLink<HubGroup>;
  /** Sources' last-message times move on without events: refreshed upward every 15 s. */
  private readonly sourcesTimer: NodeJS.Timeout;

  constructor(state: HubState, options: UpstreamOptions) {
    const source = new HubLinkSource(state);
    const name = options.config.name ?? options.hubId;
    this.link = new SourceLink(source, {
      ...LINK_DEFAULTS,
      url: options.config.url,
      token: options.config.token,
      frameBytes: options.frameBytes,
      flushIntervalMs: options.config.flush_interval,
      logger: options.logger,
      hello: () => {
        let below: string[] = [];
        for (const s of state.sources.values()) if (s.kind === 'hub' && s.connected && s.path.length > below.length) below = s.path;
        return { protocol: PROTOCOL_VERSION, name, epoch: options.epoch, kind: 'hub', labels: options.config.labels, version: VERSION, path: [name, ...below] };
      },
    });
    this.sourcesTimer = setInterval(() => this.link.markSources(), 15_000);
    state.onEvent((e) => {
      if (e.type === 'group') {
        if (e.added.length > 0) source.samplesAdded(e.added);
        this.link.markDirty(e.group);
      } else if (e.type === 'resolution' || e.type === 'forgotten') {
        // Resolution is local to each hub, and so is forgetting (the parent has its own retention).
      } else if (e.intakeOnly !== true) {
        this.link.markSources();
        for (const t of e.changed) this.link.markTarget(t);
        for (const [agent, service, url] of e.removed) this.link.removeTarget(agent, service, url);
      }
    });
  }

  start(): void {
    this.link.start();
  }

  /** A source connected or disconnected (the federation server tells). */
  sourcesChanged(): void {
    this.link.markSources();
  }

  status(): LinkStatus {
    return this.link.status();
  }

  /** Flushes pending changes (bounded wait), for a graceful shutdown. */
  drain(timeoutMs: number): Promise<void> {
    return this.link.drain(timeoutMs);
  }

  close(): void {
    clearInterval(this.sourcesTimer);
    this.link.close();
  }
}
