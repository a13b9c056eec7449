import type { Logger } from 'pino';
import { decodeHubMessage, encodeMessage } from './codec.js';
import { buildFrame } from './frame-builder.js';
import type { LinkConnection, LinkSource } from './link-source.js';
import { LinkTransport, type SocketFactory } from './link-transport.js';
import type { Hello, Welcome, WireTarget } from './messages.js';
import { PendingChanges, type TakenChanges } from './pending-changes.js';
import { WireStringEncoder } from './string-table.js';

export interface SourceLinkOptions {
  readonly url: string;
  readonly token: string;
  /** The hello, or a function building it at each connection (a hub's path changes as children come and go). */
  readonly hello: Omit<Hello, 't'> | (() => Omit<Hello, 't'>);
  readonly frameBytes: number;
  readonly flushIntervalMs: number;
  /** Ping every this often; a peer silent for two intervals is terminated. */
  readonly heartbeatMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Stop sending while the socket buffers more than this; dirty keys just coalesce. */
  readonly highWaterBytes: number;
  /** Groups per message before the size check splits further. */
  readonly maxGroupsPerMessage: number;
  readonly logger: Logger;
  /** Called on every welcome (the agent settles its start mode with the first). */
  readonly onWelcome?: (welcome: Welcome) => void;
  readonly random?: () => number;
  /** Opens the socket (default: a real WebSocket; tests give an in-memory pair). */
  readonly connect?: SocketFactory;
}

export const LINK_DEFAULTS = {
  flushIntervalMs: 1_000,
  heartbeatMs: 15_000,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  highWaterBytes: 4 * 1024 * 1024,
  maxGroupsPerMessage: 5_000,
} as const;

/** While the hub reads slowly (socket above `highWaterBytes`), the link looks again this often. */
export const BACKPRESSURE_RETRY_MS = 100;
/** How often a graceful drain checks whether everything was acknowledged. */
export const DRAIN_POLL_MS = 20;

interface InFlight<G> extends TakenChanges<G> {
  readonly seq: number;
  readonly sampleMark: number;
  readonly sync: boolean;
  readonly last: boolean;
}

/** Figures about one link, for /metrics and the sources API. */
export interface LinkStatus {
  readonly url: string;
  readonly connected: boolean;
  readonly syncing: boolean;
  readonly pendingGroups: number;
  /** Target changes and removals waiting for the hub. */
  readonly pendingTargets: number;
  readonly lastAckedSeq: number | null;
  readonly reconnects: number;
  readonly bytesSent: number;
  readonly messagesSent: number;
  /** Times a send waited because the hub read slowly (the socket held more than `highWaterBytes`). */
  readonly backpressureWaits: number;
  readonly lastError: string;
}

/**
 * One source -> hub federation link (DESIGN section 4): hello/welcome, sync or delta, one message in
 * flight, acks. The socket lifecycle (heartbeats, reconnects) is the transport's, what is still to
 * send is the pending set's, the encoding under the frame limit is the frame builder's; this class
 * holds the protocol between them. While disconnected it keeps only the pending set (no queue of
 * messages), so memory is bounded by the number of groups and targets.
 * Owned by the agent's shipper (one per configured hub) or a hub's upstream; lives until close().
 */
export class SourceLink<G extends object> {
  private readonly transport: LinkTransport;
  private readonly pending = new PendingChanges<G>();
  private connection: LinkConnection<G> | undefined;
  private strings: WireStringEncoder | undefined;
  private ready = false;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Per group: the sample mark up to which this hub has acknowledged its samples. */
  private readonly delivered = new WeakMap<G, number>();
  private inFlight: InFlight<G> | undefined;
  private syncing = false;
  private syncPart = 0;
  private seq = 0;
  private lastSentSeq: number | null = null;
  private lastAckedSeq: number | null = null;
  private lastSendAt = 0;
  private backpressureWaits = 0;

  constructor(
    private readonly source: LinkSource<G>,
    private readonly options: SourceLinkOptions,
  ) {
    this.transport = new LinkTransport(options, {
      opened: () => this.opened(),
      frame: (data) => this.onMessage(data),
      closed: () => this.teardown(),
    });
  }

  start(): void {
    this.transport.start();
  }

  /** A group changed: it will be in the next message. */
  markDirty(group: G): void {
    this.pending.markGroup(group);
    this.scheduleFlush();
  }

  /**
   * The source dropped a group (an agent's group cap evicted it): its pending change is not sent,
   * so the dirty set stays bounded by the groups the source holds. A message already in flight is
   * unaffected. The hub keeps what it had; the group is sent again if the source brings it back.
   */
  forget(group: G): void {
    this.pending.forgetGroup(group);
  }

  /** A target's health changed (or it appeared). */
  markTarget(target: WireTarget): void {
    this.pending.markTarget(target);
    this.scheduleFlush();
  }

  /** A hub's source list changed (a source connected, left, or moved on). */
  markSources(): void {
    this.pending.markSources();
    this.scheduleFlush();
  }

  /** The source's intake figures changed: the next message carries them (coalesced). */
  markIntake(): void {
    this.pending.markIntake();
    this.scheduleFlush();
  }

  /** A target left discovery (see PendingChanges.removeTarget for the bound). */
  removeTarget(agent: string, service: string, url: string): void {
    this.pending.removeTarget(agent, service, url);
    this.scheduleFlush();
  }

  status(): LinkStatus {
    const t = this.transport;
    return {
      url: this.options.url,
      connected: this.ready,
      syncing: this.syncing,
      pendingGroups: this.pending.groupCount + (this.inFlight?.groups.length ?? 0),
      pendingTargets: this.pending.targetCount,
      lastAckedSeq: this.lastAckedSeq,
      reconnects: t.reconnects,
      bytesSent: t.bytesSent,
      messagesSent: t.messagesSent,
      backpressureWaits: this.backpressureWaits,
      lastError: t.lastError,
    };
  }

  /** True when nothing is waiting to be sent or acknowledged (used by graceful shutdown). */
  get idle(): boolean {
    return this.ready && this.inFlight === undefined && this.pending.empty;
  }

  /** Sends what is pending now, ignoring the flush interval, and waits (bounded) for the acks. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.lastSendAt = 0;
    this.pump();
    while (Date.now() < deadline && this.ready && !this.idle) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  }

  close(): void {
    clearTimeout(this.flushTimer);
    this.teardown();
    this.transport.close();
  }

  private opened(): void {
    this.connection = this.source.openConnection();
    this.strings = new WireStringEncoder();
    const hello = this.options.hello;
    this.transport.send(encodeMessage({ t: 'hello', ...(typeof hello === 'function' ? hello() : hello) }));
  }

  /** Puts what was in flight back into the pending set: nothing is lost, nothing queued twice. */
  private teardown(): void {
    this.ready = false;
    this.connection = undefined;
    this.strings = undefined;
    const f = this.inFlight;
    this.inFlight = undefined;
    if (f !== undefined) this.pending.restore(f);
  }

  private onMessage(data: Buffer): void {
    const message = decodeHubMessage(data, this.options.frameBytes);
    if (message.t === 'welcome') {
      this.transport.welcome();
      this.onWelcome(message);
      return;
    }
    const f = this.inFlight;
    if (f === undefined || message.seq !== f.seq) {
      this.options.logger.debug({ hub: this.options.url, seq: message.seq }, 'ack for a message not in flight; ignored');
      return;
    }
    this.inFlight = undefined;
    this.lastAckedSeq = f.seq;
    for (const g of f.groups) this.delivered.set(g, f.sampleMark);
    if (f.sync && f.last) this.syncing = false;
    this.pump();
  }

  private onWelcome(welcome: Welcome): void {
    this.ready = true;
    // In step only when this process already had acks on this link and the hub holds the last one.
    const inStep = this.lastSentSeq !== null && welcome.acked_seq === this.lastSentSeq && this.lastAckedSeq === this.lastSentSeq;
    this.seq = Math.max(this.seq, welcome.acked_seq ?? 0);
    this.options.onWelcome?.(welcome);
    // The hub keeps intake figures in memory only: every connection starts with them.
    if (this.source.intake?.() !== undefined) this.pending.markIntake();
    if (!inStep) {
      this.syncing = true;
      this.syncPart = 0;
      this.pending.startSync(this.source.allGroups());
    }
    this.options.logger.info({ hub: this.options.url, acked_seq: welcome.acked_seq, mode: inStep ? 'delta' : 'sync', groups: this.pending.groupCount }, 'federation link ready');
    this.lastSendAt = 0;
    this.pump();
  }

  private scheduleFlush(wait = Math.max(0, this.lastSendAt + this.options.flushIntervalMs - Date.now())): void {
    if (!this.ready || this.inFlight !== undefined || this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.pump();
    }, wait);
  }

  private pump(): void {
    if (!this.ready || this.inFlight !== undefined || this.connection === undefined || this.strings === undefined) return;
    const syncStarts = this.syncing && this.syncPart === 0;
    if (this.pending.empty && !syncStarts) return;
    if (!this.syncing && Date.now() - this.lastSendAt < this.options.flushIntervalMs) {
      this.scheduleFlush();
      return;
    }
    if (this.transport.bufferedAmount > this.options.highWaterBytes) {
      // The hub reads slowly: wait, changes coalesce in the pending set.
      this.backpressureWaits++;
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.scheduleFlush(BACKPRESSURE_RETRY_MS);
      return;
    }
    this.sendNext(this.connection, this.strings);
  }

  private sendNext(connection: LinkConnection<G>, strings: WireStringEncoder): void {
    const sampleMark = this.source.currentSampleMark();
    const syncStarts = this.syncing && this.syncPart === 0;
    const complete = this.pending.targetsComplete && !this.syncing;
    const targets = syncStarts || complete ? this.source.allTargets() : this.pending.changedTargets();
    const removed = this.syncing || complete ? [] : this.pending.removals();
    const sources = (this.pending.sourcesChanged || syncStarts) && this.source.sourcesStatus !== undefined ? this.source.sourcesStatus() : undefined;
    const intake = this.pending.intakeChanged ? this.source.intake?.() : undefined;
    const seq = this.seq + 1;
    const built = buildFrame({
      seq,
      groups: this.pending.groups(this.options.maxGroupsPerMessage),
      pendingGroups: this.pending.groupCount,
      targets,
      removed,
      sources,
      intake,
      targetsComplete: complete,
      sync: this.syncing ? { part: this.syncPart } : undefined,
      sinceMark: (g) => (this.syncing ? -1 : (this.delivered.get(g) ?? -1)),
    }, connection, strings, this.options.frameBytes);
    if (built.countsOnly) this.options.logger.warn({ hub: this.options.url, bytes: built.frame.length }, 'group samples exceed the frame limit; sending counts only');
    const taken: TakenChanges<G> = { groups: built.groups, targets, removed, sources: sources !== undefined, intake: this.pending.intakeChanged, complete };
    this.pending.taken(taken);
    this.seq = seq;
    this.lastSentSeq = seq;
    this.inFlight = { ...taken, seq, sampleMark, sync: this.syncing, last: built.last };
    if (this.syncing) this.syncPart++;
    this.lastSendAt = Date.now();
    this.transport.send(built.frame);
  }
}
