import type { Logger } from 'pino';
import type { HubLink } from '../../common/config/schema.js';
import type { Intake } from '../../common/federation/intake.js';
import type { Hello, Welcome, WireTarget } from '../../common/federation/messages.js';
import { LINK_DEFAULTS, type LinkStatus, SourceLink } from '../../common/federation/source-link.js';
import type { Aggregator } from '../aggregate/aggregator.js';
import type { AgentGroup } from '../aggregate/group.js';
import { AgentLinkSource } from './agent-link-source.js';

export interface ShipperOptions {
  readonly hubs: readonly HubLink[];
  readonly hello: Omit<Hello, 't'>;
  readonly frameBytes: number;
  readonly flushIntervalMs: number;
  readonly logger: Logger;
  readonly onWelcome: (welcome: Welcome) => void;
  /** The push intakes' figures (OTLP), reported to every hub; undefined while none runs. */
  readonly intake?: () => Intake | undefined;
  /** Overrides of link timings (tests). */
  readonly linkOverrides?: Partial<typeof LINK_DEFAULTS>;
}

/**
 * Streams the aggregator's changes to every configured hub. Each hub has its own link (seq, acks,
 * dirty set), so one slow or absent hub never holds back another, and all end with the same totals.
 * Owned by the agent; lives until close().
 */
export class Shipper {
  private readonly links: SourceLink<AgentGroup>[];

  constructor(aggregator: Aggregator, targets: () => WireTarget[], options: ShipperOptions) {
    const source = new AgentLinkSource(aggregator, targets, options.intake);
    this.links = options.hubs.map(
      (hub) =>
        new SourceLink(source, {
          ...LINK_DEFAULTS,
          ...options.linkOverrides,
          url: hub.url,
          token: hub.token,
          hello: options.hello,
          frameBytes: options.frameBytes,
          flushIntervalMs: options.flushIntervalMs,
          logger: options.logger.child({ stage: 'ship' }),
          onWelcome: options.onWelcome,
        }),
    );
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  groupChanged(group: AgentGroup): void {
    for (const link of this.links) link.markDirty(group);
  }

  /** The aggregator evicted a group (group cap): no link keeps it dirty (see SourceLink.forget). */
  groupEvicted(group: AgentGroup): void {
    for (const link of this.links) link.forget(group);
  }

  targetChanged(target: WireTarget): void {
    for (const link of this.links) link.markTarget(target);
  }

  /** An intake figure changed: each hub hears the current figures with its next message. */
  intakeChanged(): void {
    for (const link of this.links) link.markIntake();
  }

  targetRemoved(agent: string, service: string, url: string): void {
    for (const link of this.links) link.removeTarget(agent, service, url);
  }

  status(): LinkStatus[] {
    return this.links.map((l) => l.status());
  }

  /** Flushes pending changes to connected hubs and waits (bounded) until they are acknowledged. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all(this.links.map((l) => l.drain(timeoutMs)));
  }

  close(): void {
    for (const link of this.links) link.close();
  }
}
