import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { backoffDelay } from '../backoff.js';
import { decodeHubMessage, encodeMessage } from './codec.js';
import { federationErrorName, FederationError } from './errors.js';
import type { LinkConnection, LinkSource } from './link-source.js';
import type { Delta, Hello, Sync, Welcome, WireService, WireTarget } from './messages.js';
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
}

export const LINK_DEFAULTS = {
  flushIntervalMs: 1_000,
  heartbeatMs: 15_000,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  highWaterBytes: 4 * 1024 * 1024,
  maxGroupsPerMessage: 5_000,
} as const;

interface InFlight<G> {
  readonly seq: number;
  readonly groups: G[];
  readonly targets: WireTarget[];
  readonly removed: [string, string, string][];
  readonly sources: boolean;
  /** It carried the whole target list (`targets_complete`). */
  readonly complete: boolean;
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
  readonly lastError: string;
}

/** Removals remembered while waiting for the hub; beyond this the whole target list is resent. */
const MAX_PENDING_REMOVALS = 10_000;

const targetKey = (t: { service: string; url: string }) => `${t.service}\u0000${t.url}`;

/**
 * One source -> hub federation link (DESIGN section 4): hello/welcome, sync or delta, one message in
 * flight, acks, heartbeats, reconnect with full-jitter backoff. While disconnected it keeps only a
 * dirty set of groups (no queue of messages), so memory is bounded by the number of groups.
 * Owned by the agent's shipper (one per configured hub) or a hub's upstream; lives until close().
 */
export class SourceLink<G extends object> {
  private ws: WebSocket | undefined;
  private connection: LinkConnection<G> | undefined;
  private strings: WireStringEncoder | undefined;
  private ready = false;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private welcomeTimer: NodeJS.Timeout | undefined;
  private alive = true;

  private readonly dirty = new Set<G>();
  private readonly dirtyTargets = new Map<string, WireTarget>();
  private readonly removedTargets = new Map<string, [string, string, string]>();
  /** The next message sends every target and the hub replaces what it held (after too many removals). */
  private targetsComplete = false;
  /** The source list changed since it was last sent (hubs only). */
  private sourcesDirty = false;
  /** Per group: the sample mark up to which this hub has acknowledged its samples. */
  private readonly delivered = new WeakMap<G, number>();
  private inFlight: InFlight<G> | undefined;
  private syncing = false;
  private syncPart = 0;
  private seq = 0;
  private lastSentSeq: number | null = null;
  private lastAckedSeq: number | null = null;
  private lastSendAt = 0;
  private reconnects = 0;
  private bytesSent = 0;
  private messagesSent = 0;
  private lastError = '';

  constructor(
    private readonly source: LinkSource<G>,
    private readonly options: SourceLinkOptions,
  ) {}

  start(): void {
    this.connect();
  }

  /** A group changed: it will be in the next message. */
  markDirty(group: G): void {
    this.dirty.add(group);
    this.scheduleFlush();
  }

  /**
   * The source dropped a group (an agent's group cap evicted it): its pending change is not sent,
   * so the dirty set stays bounded by the groups the source holds. A message already in flight is
   * unaffected. The hub keeps what it had; the group is sent again if the source brings it back.
   */
  forget(group: G): void {
    this.dirty.delete(group);
  }

  /** A target's health changed (or it appeared). */
  markTarget(target: WireTarget): void {
    const key = targetKey(target);
    this.removedTargets.delete(key);
    this.dirtyTargets.set(key, target);
    this.scheduleFlush();
  }

  /** A hub's source list changed (a source connected, left, or moved on). */
  markSources(): void {
    this.sourcesDirty = true;
    this.scheduleFlush();
  }

  /**
   * A target left discovery. Under heavy churn while the hub is away, the list of removals is capped:
   * past MAX_PENDING_REMOVALS it is dropped and the next message sends the whole target list instead
   * (`targets_complete`), so memory stays bounded by the live targets.
   */
  removeTarget(agent: string, service: string, url: string): void {
    const key = targetKey({ service, url });
    this.dirtyTargets.delete(key);
    if (this.targetsComplete) return;
    this.removedTargets.set(key, [agent, service, url]);
    if (this.removedTargets.size > MAX_PENDING_REMOVALS) {
      this.removedTargets.clear();
      this.dirtyTargets.clear();
      this.targetsComplete = true;
    }
    this.scheduleFlush();
  }

  status(): LinkStatus {
    return {
      url: this.options.url,
      connected: this.ready,
      syncing: this.syncing,
      pendingGroups: this.dirty.size + (this.inFlight?.groups.length ?? 0),
      pendingTargets: this.dirtyTargets.size + this.removedTargets.size,
      lastAckedSeq: this.lastAckedSeq,
      reconnects: this.reconnects,
      bytesSent: this.bytesSent,
      messagesSent: this.messagesSent,
      lastError: this.lastError,
    };
  }

  /** True when nothing is waiting to be sent or acknowledged (used by graceful shutdown). */
  get idle(): boolean {
    return this.ready && this.inFlight === undefined && this.dirty.size === 0 && this.dirtyTargets.size === 0 && this.removedTargets.size === 0 && !this.sourcesDirty;
  }

  /** Sends what is pending now, ignoring the flush interval, and waits (bounded) for the acks. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.lastSendAt = 0;
    this.pump();
    while (Date.now() < deadline && this.ready && !this.idle) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    this.teardown();
    this.ws?.close(1001, 'source shutting down');
  }

  private connect(): void {
    if (this.closed) return;
    const { logger } = this.options;
    const ws = new WebSocket(this.options.url, {
      headers: { authorization: `Bearer ${this.options.token}` },
      perMessageDeflate: false,
      maxPayload: this.options.frameBytes,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      this.connection = this.source.openConnection();
      this.strings = new WireStringEncoder();
      this.alive = true;
      const hello = this.options.hello;
      this.send({ t: 'hello', ...(typeof hello === 'function' ? hello() : hello) });
      // A hub admits a few syncs at a time after a restart, so a welcome may take a while.
      this.welcomeTimer = setTimeout(() => {
        this.lastError = 'no welcome within 60 s';
        ws.terminate();
      }, 60_000);
      this.heartbeatTimer = setInterval(() => {
        if (!this.alive) {
          this.lastError = 'heartbeat: hub stopped answering pings';
          logger.warn({ hub: this.options.url }, 'hub stopped answering pings; reconnecting');
          ws.terminate();
          return;
        }
        this.alive = false;
        ws.ping();
      }, this.options.heartbeatMs);
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data: Buffer) => {
      this.alive = true;
      try {
        this.onMessage(data);
      } catch (err) {
        const code = err instanceof FederationError ? err.code : 'CN_ERR_BAD_MESSAGE';
        this.lastError = `${code}: ${(err as Error).message}`;
        logger.error({ hub: this.options.url, code, err: (err as Error).message }, 'invalid message from hub; reconnecting');
        ws.terminate();
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      this.lastError = `hub answered HTTP ${res.statusCode} to the upgrade`;
      const hint = res.statusCode === 401 ? ' (check the token in hubs[].token / upstream.token)' : '';
      logger.error({ hub: this.options.url, status: res.statusCode }, `hub refused the connection${hint}`);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      this.lastError = err.message;
      logger.debug({ hub: this.options.url, err: err.message }, 'federation link error');
    });
    ws.on('close', (code, reason) => {
      const name = federationErrorName(code);
      if (name !== undefined && !this.closed) {
        this.lastError = `${name}: ${reason.toString()}`;
        logger.error({ hub: this.options.url, code: name, reason: reason.toString() }, 'hub closed the link');
      }
      const wasReady = this.ready;
      this.teardown();
      if (this.closed) return;
      if (wasReady) this.attempt = 0;
      const delay = backoffDelay(this.attempt++, this.options.backoffBaseMs, this.options.backoffCapMs, this.options.random);
      this.reconnects++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  /** Puts what was in flight back into the dirty set: nothing is lost, nothing queued twice. */
  private teardown(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.welcomeTimer);
    this.ready = false;
    this.connection = undefined;
    this.strings = undefined;
    const f = this.inFlight;
    this.inFlight = undefined;
    if (f !== undefined) {
      if (f.sources) this.sourcesDirty = true;
      if (f.complete) this.targetsComplete = true;
      for (const g of f.groups) this.dirty.add(g);
      for (const t of f.targets) if (!this.dirtyTargets.has(targetKey(t)) && !this.removedTargets.has(targetKey(t))) this.dirtyTargets.set(targetKey(t), t);
      for (const r of f.removed) {
        const key = targetKey({ service: r[1], url: r[2] });
        if (!this.dirtyTargets.has(key)) this.removedTargets.set(key, r);
      }
    }
  }

  private onMessage(data: Buffer): void {
    const message = decodeHubMessage(data, this.options.frameBytes);
    if (message.t === 'welcome') {
      clearTimeout(this.welcomeTimer);
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
    this.attempt = 0;
    // In step only when this process already had acks on this link and the hub holds the last one.
    const inStep = this.lastSentSeq !== null && welcome.acked_seq === this.lastSentSeq && this.lastAckedSeq === this.lastSentSeq;
    this.seq = Math.max(this.seq, welcome.acked_seq ?? 0);
    this.options.onWelcome?.(welcome);
    if (!inStep) {
      this.syncing = true;
      this.syncPart = 0;
      for (const g of this.source.allGroups()) this.dirty.add(g);
      this.dirtyTargets.clear();
      this.removedTargets.clear();
      this.targetsComplete = false;
    }
    this.options.logger.info({ hub: this.options.url, acked_seq: welcome.acked_seq, mode: inStep ? 'delta' : 'sync', groups: this.dirty.size }, 'federation link ready');
    this.lastSendAt = 0;
    this.pump();
  }

  private scheduleFlush(): void {
    if (!this.ready || this.inFlight !== undefined || this.flushTimer !== undefined) return;
    const wait = Math.max(0, this.lastSendAt + this.options.flushIntervalMs - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.pump();
    }, wait);
  }

  private pump(): void {
    const ws = this.ws;
    if (!this.ready || this.inFlight !== undefined || ws === undefined || this.connection === undefined || this.strings === undefined) return;
    const nothing =
      this.dirty.size === 0 && this.dirtyTargets.size === 0 && this.removedTargets.size === 0 && !this.sourcesDirty && !this.targetsComplete && !(this.syncing && this.syncPart === 0);
    if (nothing) return;
    if (!this.syncing && Date.now() - this.lastSendAt < this.options.flushIntervalMs) {
      this.scheduleFlush();
      return;
    }
    if (ws.bufferedAmount > this.options.highWaterBytes) {
      // The hub reads slowly: wait, changes coalesce in the dirty set.
      clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.pump();
      }, 100);
      return;
    }
    this.sendNext(this.connection, this.strings);
  }

  private sendNext(connection: LinkConnection<G>, strings: WireStringEncoder): void {
    const sampleMark = this.source.currentSampleMark();
    let batch: G[] = [];
    for (const g of this.dirty) {
      batch.push(g);
      if (batch.length >= this.options.maxGroupsPerMessage) break;
    }
    const complete = this.targetsComplete && !this.syncing;
    const targets = (this.syncing && this.syncPart === 0) || complete ? this.source.allTargets() : [...this.dirtyTargets.values()];
    const removed = this.syncing || complete ? [] : [...this.removedTargets.values()];
    const sources = (this.sourcesDirty || (this.syncing && this.syncPart === 0)) && this.source.sourcesStatus !== undefined ? this.source.sourcesStatus() : undefined;
    let withoutSamples = false;
    for (;;) {
      const services = new Map<string, WireService>();
      for (const g of batch) {
        const since = withoutSamples ? Number.MAX_SAFE_INTEGER : this.syncing ? -1 : (this.delivered.get(g) ?? -1);
        const { service, group } = connection.toWire(g, since);
        let s = services.get(service);
        if (s === undefined) services.set(service, (s = { name: service, groups: [] }));
        s.groups.push({ ...group, samples: group.samples.map((o) => strings.encode(o)) });
      }
      const seq = this.seq + 1;
      const last = this.syncing && this.dirty.size === batch.length;
      const lineages = connection.pendingLineageDefs();
      const stringDefs = strings.pendingDefinitions();
      const body = {
        seq,
        services: [...services.values()],
        targets,
        ...(lineages !== undefined ? { lineages } : {}),
        ...(stringDefs !== undefined ? { strings: stringDefs } : {}),
        ...(removed.length > 0 ? { targets_removed: removed } : {}),
        ...(sources !== undefined ? { sources } : {}),
        ...(complete ? { targets_complete: true } : {}),
      };
      const message: Sync | Delta = this.syncing ? { t: 'sync', ...body, part: this.syncPart, last } : { t: 'delta', ...body };
      const frame = encodeMessage(message);
      if (frame.length > this.options.frameBytes * 0.9 && batch.length > 1) {
        // Too big for one frame: halve the batch and encode again.
        connection.rollbackLineageDefs();
        strings.rollback();
        batch = batch.slice(0, Math.ceil(batch.length / 2));
        continue;
      }
      if (frame.length > this.options.frameBytes && !withoutSamples) {
        // One group whose samples alone exceed a frame: ship its counts, never block the link.
        this.options.logger.warn({ hub: this.options.url, bytes: frame.length }, 'group samples exceed the frame limit; sending counts only');
        connection.rollbackLineageDefs();
        strings.rollback();
        withoutSamples = true;
        continue;
      }
      connection.commitLineageDefs();
      strings.commit();
      for (const g of batch) this.dirty.delete(g);
      for (const t of targets) this.dirtyTargets.delete(targetKey(t));
      for (const r of removed) this.removedTargets.delete(targetKey({ service: r[1], url: r[2] }));
      if (sources !== undefined) this.sourcesDirty = false;
      if (complete) this.targetsComplete = false;
      this.seq = seq;
      this.lastSentSeq = seq;
      this.inFlight = { seq, groups: batch, targets, removed, sources: sources !== undefined, complete, sampleMark, sync: this.syncing, last };
      if (this.syncing) this.syncPart++;
      this.lastSendAt = Date.now();
      this.sendFrame(frame);
      return;
    }
  }

  private send(message: Hello): void {
    this.sendFrame(encodeMessage(message));
  }

  private sendFrame(frame: Buffer): void {
    this.bytesSent += frame.length;
    this.messagesSent++;
    this.ws?.send(frame, { binary: true });
  }
}
