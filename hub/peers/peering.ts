import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { HubLink } from '../../common/config/schema.js';
import { FederationError } from '../../common/federation/errors.js';
import type { PeerEntries, PeerHello, RegisterEntry } from '../../common/federation/peer-messages.js';
import type { HubState } from '../state/hub-state.js';
import type { JournalRecord } from '../store/journal.js';
import { HybridClock } from './hlc.js';
import { PeerLink, type PeerLinkStatus } from './peer-link.js';
import { PeerSession } from './peer-session.js';
import { RegisterLog } from './register-log.js';
import { ChangeSeq, stampOf, UserRegister } from './user-register.js';
import { AlertBook } from './alert-book.js';
import { fromAlertRecord, ownerOf, toAlertRecord } from './alert-records.js';
import type { Alert } from '../notify/alert.js';
import type { NotifyPeers } from '../notify/notifier.js';

export interface PeeringOptions {
  readonly hubId: string;
  readonly dataDir: string;
  readonly peers: readonly HubLink[];
  readonly frameBytes: number;
  readonly logger: Logger;
  readonly heartbeatMs?: number;
  readonly maxDriftMs?: number;
  readonly onLag?: (ms: number) => void;
  readonly onProtocolError?: (code: string) => void;
  /** `hub.peer_grace`: how long a non-owner holds an alert for the owner's delivery record. */
  readonly graceMs: number;
  /** Called with notifications held back because a peer delivered them (metrics). */
  readonly onHeldBack?: (n: number) => void;
}

/** Distinct peer hub ids remembered (acks, last exchange) from inbound connections. */
export const MAX_INBOUND_PEERS = 64;
/** Inbound peer sockets open at once (before or after their hello); more are closed with CN_ERR_BUSY. */
export const MAX_INBOUND_SESSIONS = 128;

/** Where alerts from peers go (the notifier), set once it exists. */
export interface AlertSink {
  absorb(alert: Alert): void;
}

/** A peer connected into this hub, as /api/v1/peers shows it. */
interface InboundPeer {
  epoch: string;
  /** The peer's last change seq at its hello: caught up with it once acked. */
  backlog: number;
  ackedSeq: number;
  session: PeerSession | undefined;
  lastExchange: number;
  clockOffsetMs: number;
}

/**
 * Replicated user state between the hubs of one tier (`hub.peers`, docs/protocol.md "Peers"): the
 * LWW register of resolves and unresolves, its durable log, the hybrid logical clock that orders
 * writes, one outbound link per configured peer and the inbound sessions of peers dialling in.
 * A change (a user action here, or an entry from a peer) is applied to the hub state, fsynced, and
 * then sent to every connected peer. Owned by the hub; lives until close().
 */
export class Peering implements NotifyPeers {
  private readonly seq = new ChangeSeq();
  readonly register = new UserRegister(Date.now, this.seq);
  readonly alerts = new AlertBook(this.seq);
  /** The notifier, once it exists; alerts from peers go there. */
  sink: AlertSink | undefined;
  /** Started with no user state here (a new or lost data_dir): every alert is held until peers caught us up. */
  private catchingUp = false;
  private readonly startedAt = Date.now();
  heldBackTotal = 0;
  /** Called when a peer connects or disconnects, or acknowledges changes (the hub's live stream). */
  onStatus: (() => void) | undefined;
  readonly clock: HybridClock;
  private readonly log: RegisterLog;
  private readonly links: PeerLink[];
  /** Peers that dialled in, by hub id, at most MAX_INBOUND_PEERS (the oldest disconnected one makes room). */
  private readonly inbound = new Map<string, InboundPeer>();
  /** Inbound peer sockets open now, said hello or not (a flapping peer must not make this grow). */
  private readonly sessions = new Set<PeerSession>();
  private readonly epoch = randomBytes(8).toString('hex');

  private constructor(
    private readonly state: HubState,
    private readonly options: PeeringOptions,
  ) {
    this.clock = new HybridClock(Date.now, options.maxDriftMs);
    this.log = new RegisterLog(options.dataDir);
    this.links = options.peers.map(
      (p) => new PeerLink(this.register, this.alerts, { url: p.url, token: p.token, hubId: options.hubId, epoch: this.epoch, frameBytes: options.frameBytes, logger: options.logger, ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}), onStatus: () => this.onStatus?.() }, options.onLag),
    );
  }

  /**
   * Loads the register log and brings the hub state in line with it (the register is the authority
   * on user state; the snapshot may predate its last entries). Call after the hub store opened.
   */
  static async open(state: HubState, options: PeeringOptions): Promise<Peering> {
    const peering = new Peering(state, options);
    const loaded = await peering.log.replay((e) => {
      peering.register.merge(e);
      peering.clock.restore(stampOf(e));
    });
    if (loaded.tornBytes > 0) options.logger.warn({ bytes: loaded.tornBytes }, 'the peer register log ended with an incomplete record (a crash during a write that was never acknowledged); dropped');
    await peering.log.open();
    for (const held of peering.register.values()) peering.reconcile(held.entry);
    peering.catchingUp = peering.register.size === 0 && state.stats().groups === 0;
    options.logger.info({ entries: peering.register.size, peers: options.peers.length }, 'peer register loaded');
    return peering;
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  /**
   * A user action already applied to the state and journaled (UserActions): stamped, fsynced in the
   * register log and sent to the peers before the user gets the 2xx.
   */
  async local(record: JournalRecord): Promise<void> {
    const hlc = this.clock.now();
    const entry: RegisterEntry = {
      service: record.service, key: record.key, resolved: record.op === 'resolve', at: record.at,
      total: record.op === 'resolve' ? record.total : 0, hlc: [hlc.wall, hlc.counter], origin: this.options.hubId,
    };
    this.register.merge(entry);
    await this.log.append([entry]);
    this.registerChanged();
  }

  /** An inbound peer connection (the federation server saw the peer subprotocol). */
  accept(ws: WebSocket): void {
    if (this.sessions.size >= MAX_INBOUND_SESSIONS) {
      ws.close(new FederationError('CN_ERR_BUSY', '').closeCode, 'CN_ERR_BUSY');
      this.options.onProtocolError?.('CN_ERR_BUSY');
      return;
    }
    const session = new PeerSession(ws, this, {
      frameBytes: this.options.frameBytes, helloTimeoutMs: 10_000, heartbeatMs: this.options.heartbeatMs ?? 15_000, logger: this.options.logger,
      ...(this.options.onProtocolError ? { onProtocolError: this.options.onProtocolError } : {}),
    });
    this.sessions.add(session);
  }

  ended(session: PeerSession): void {
    this.sessions.delete(session);
  }

  /** Structural counts for /metrics: what a flapping peer could make grow. */
  get tracked(): { sessions: number; inboundPeers: number } {
    return { sessions: this.sessions.size, inboundPeers: this.inbound.size };
  }

  get hubId(): string {
    return this.options.hubId;
  }

  admitted(hello: PeerHello, session: PeerSession): number | null {
    const known = this.inbound.get(hello.hub_id);
    if (known?.session !== undefined && known.session !== session) known.session.fail(new FederationError('CN_ERR_REPLACED', `a newer connection of peer ${hello.hub_id} replaced this one`));
    const acked = known !== undefined && known.epoch === hello.epoch ? known.ackedSeq : null;
    if (known === undefined && this.inbound.size >= MAX_INBOUND_PEERS && !this.forgetOldestDisconnected()) throw new FederationError('CN_ERR_BUSY', 'too many peers');
    this.inbound.set(hello.hub_id, { epoch: hello.epoch, backlog: hello.last_seq, ackedSeq: acked ?? 0, session, lastExchange: Date.now(), clockOffsetMs: hello.now - Date.now() });
    this.onStatus?.();
    return acked;
  }

  /** Entries from a peer: all checked first (nothing applied from a refused message), applied, fsynced. */
  async receive(hello: PeerHello, message: PeerEntries): Promise<void> {
    const alerts = message.alerts.map(fromAlertRecord);
    for (const e of message.entries) {
      if (this.clock.tooFarAhead(stampOf(e))) {
        throw new FederationError('CN_ERR_CLOCK_SKEW', `an entry from ${e.origin} is stamped ${new Date(e.hlc[0]).toISOString()}, more than ${this.clock.maxDriftMs} ms ahead of this hub's clock`);
      }
    }
    const changed: RegisterEntry[] = [];
    for (const e of message.entries) {
      this.clock.receive(stampOf(e));
      if (this.register.merge(e)) {
        changed.push(e);
        this.reconcile(e);
      }
    }
    await this.log.append(changed);
    for (const a of alerts) this.sink?.absorb(a);
    const peer = this.inbound.get(hello.hub_id);
    if (peer !== undefined && peer.epoch === hello.epoch) {
      peer.ackedSeq = Math.max(peer.ackedSeq, message.seq);
      peer.lastExchange = Date.now();
    }
    if (changed.length > 0) this.registerChanged();
    if (this.catchingUp && this.caughtUp()) {
      this.catchingUp = false;
      this.options.logger.info({ alerts: this.alerts.size, entries: this.register.size }, 'caught up with every peer: alerts this hub owns are sent at once from now on');
    }
  }

  /** Owner: send now; others hold for the grace. While catching up after a lost data_dir, hold everything. */
  holdMs(alert: Alert): number {
    if (this.catchingUp && this.caughtUp()) this.catchingUp = false;
    if (this.catchingUp) return this.options.graceMs;
    const live = [this.options.hubId, ...this.links.map((l) => l.status()).filter((l) => l.connected && l.hubId !== null).map((l) => l.hubId as string)];
    return ownerOf(alert.id, live) === this.options.hubId ? 0 : this.options.graceMs;
  }

  changed(alert: Alert): void {
    if (this.alerts.put(toAlertRecord(alert))) this.changedLinks();
  }

  /** A regression's id is the resolve it follows (replicated, so the same on every peer), not the local moment. */
  regressionStamp(service: string, key: string): number | undefined {
    const e = this.register.get(service, key);
    return e?.resolved === true ? e.hlc[0] : undefined;
  }

  heldBack(n: number): void {
    this.heldBackTotal += n;
    this.options.onHeldBack?.(n);
  }

  /** Every configured peer dialled in and sent its backlog, or the grace passed twice since start. */
  private caughtUp(): boolean {
    if (Date.now() - this.startedAt > 2 * this.options.graceMs) return true;
    if (this.inbound.size < this.status().links.length) return false;
    for (const p of this.inbound.values()) if (p.ackedSeq < p.backlog) return false;
    return true;
  }

  /**
   * Makes room for a new peer id by forgetting the disconnected one heard from least recently (a
   * peer forgotten so and back later just gets everything again: entries are idempotent).
   */
  private forgetOldestDisconnected(): boolean {
    let oldest: [string, InboundPeer] | undefined;
    for (const entry of this.inbound) if (entry[1].session === undefined && (oldest === undefined || entry[1].lastExchange < oldest[1].lastExchange)) oldest = entry;
    if (oldest !== undefined) this.inbound.delete(oldest[0]);
    return oldest !== undefined;
  }

  closed(hello: PeerHello, session: PeerSession): void {
    const peer = this.inbound.get(hello.hub_id);
    if (peer?.session === session) peer.session = undefined;
    this.onStatus?.();
  }

  /** Makes the hub state show what a register entry says (skipping what a later regression superseded). */
  private reconcile(e: RegisterEntry): void {
    const group = this.state.group(e.service, e.key);
    if (e.resolved) {
      if (group !== undefined && group.resolution !== null && group.resolution.at === e.at && group.resolution.total === e.total) return;
      if (group !== undefined && group.resolution === null && group.regressedAt > e.at) return;
      const resolved = this.state.resolve(e.service, e.key, { at: e.at, total: e.total });
      // Counts that came here before the resolve did may already be past it: the group came back, as
      // it did on the peer (whose alert log announces it, so not announced again here).
      if (resolved.total > e.total) {
        resolved.resolution = null;
        resolved.regressedAt = Date.now();
      }
    } else if (group !== undefined && group.resolution !== null) {
      this.state.unresolve(e.service, e.key);
    }
  }

  private changedLinks(): void {
    for (const link of this.links) link.changed();
  }

  private registerChanged(): void {
    this.changedLinks();
    void this.log.compactIfWorthIt(() => [...this.register.values()].map((h) => h.entry), this.register.size).catch((err: unknown) => {
      this.options.logger.error({ err: (err as Error).message }, 'rewriting the peer register log failed; it keeps growing until the next attempt');
    });
  }

  /** Each configured peer's link, and peers dialling in (by hub id). */
  status(): { links: PeerLinkStatus[]; inbound: { hubId: string; connected: boolean; lastExchange: number; clockOffsetMs: number }[] } {
    return {
      links: this.links.map((l) => l.status()).filter((l) => !l.self),
      inbound: [...this.inbound].map(([hubId, p]) => ({ hubId, connected: p.session !== undefined, lastExchange: p.lastExchange, clockOffsetMs: p.clockOffsetMs })),
    };
  }

  async close(): Promise<void> {
    for (const link of this.links) link.close();
    for (const peer of this.inbound.values()) peer.session?.fail(new FederationError('CN_ERR_SHUTTING_DOWN', 'hub shutting down'));
    await this.log.close();
  }
}
