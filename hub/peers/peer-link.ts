import type { Logger } from 'pino';
import { FederationError } from '../../common/federation/errors.js';
import { LinkTransport, type SocketFactory } from '../../common/federation/link-transport.js';
import { decodePeerOutbound, encodePeerMessage } from '../../common/federation/peer-codec.js';
import { MAX_ENTRIES_PER_MESSAGE, PEER_PROTOCOL_VERSION, PEER_SUBPROTOCOL, type PeerInbound } from '../../common/federation/peer-messages.js';
import { VERSION } from '../../common/version.js';
import type { AlertBook } from './alert-book.js';
import type { UserRegister } from './user-register.js';

export interface PeerLinkOptions {
  readonly url: string;
  readonly token: string;
  readonly hubId: string;
  /** New at every start of this hub: the peer's acknowledgements are for this epoch's seqs. */
  readonly epoch: string;
  readonly frameBytes: number;
  readonly logger: Logger;
  readonly heartbeatMs?: number;
  readonly connect?: SocketFactory;
  /** The link connected or disconnected, or the peer acknowledged changes (the live stream tells the UI). */
  readonly onStatus?: () => void;
}

/** Messages sent and not yet acknowledged at most; the rest waits in the register. */
const MAX_IN_FLIGHT = 8;
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Alert records per message at most (one may be 25 KB: a frame stays under 16 MiB). */
const MAX_ALERTS_PER_MESSAGE = 200;

/** What /api/v1/peers and /metrics show of one peer. */
export interface PeerLinkStatus {
  readonly url: string;
  /** The URL reaches this hub itself (left out of /api/v1/peers and the metrics). */
  readonly self: boolean;
  /** The peer's hub id once it answered (null before). */
  readonly hubId: string | null;
  readonly connected: boolean;
  /** When `connected` last changed (ms since the epoch, 0: never connected). */
  readonly since: number;
  /** Register changes made here that the peer has not acknowledged. */
  readonly pending: number;
  /** Time from a change here to the peer's acknowledgement, last measured (ms). */
  readonly lagMs: number;
  /** Last frame from the peer (ms since the epoch, 0: never). */
  readonly lastExchange: number;
  /** The peer's clock minus this hub's, measured at the welcome (ms). */
  readonly clockOffsetMs: number;
  readonly reconnects: number;
  readonly lastError: string;
}

/**
 * This hub's link to one peer (docs/protocol.md, "Peers"): dials its /federate with the peer
 * subprotocol, learns from the welcome which of this epoch's changes the peer already holds, then
 * sends every register change after that, a few messages in flight, as soon as it happens.
 * The socket lifecycle (backoff, heartbeats, welcome timeout) is the shared LinkTransport's; while
 * disconnected nothing is queued (the register is the backlog). Owned by the peering; lives until close().
 */
export class PeerLink {
  private readonly transport: LinkTransport;
  private connected = false;
  private since = 0;
  private peerId: string | null = null;
  /** Last seq sent and last acknowledged on this connection. */
  private sentSeq = 0;
  private ackedSeq = 0;
  /** Per message in flight: its seq and when its oldest change happened here. */
  private readonly inFlight: { seq: number; since: number }[] = [];
  private flushQueued = false;
  private lagMs = 0;
  private lastExchange = 0;
  private clockOffsetMs = 0;
  private helloSentAt = 0;
  /** The URL reached this hub itself (a peers list shared by every replica): not dialled again. */
  private isSelf = false;

  constructor(
    private readonly register: UserRegister,
    private readonly alerts: AlertBook,
    private readonly options: PeerLinkOptions,
    /** Called with each measured replication lag (metrics). */
    private readonly onLag?: (ms: number) => void,
  ) {
    this.transport = new LinkTransport(
      {
        url: options.url, token: options.token, frameBytes: options.frameBytes, heartbeatMs: options.heartbeatMs ?? 15_000,
        backoffBaseMs: 500, backoffCapMs: 30_000, logger: options.logger, protocol: PEER_SUBPROTOCOL,
        ...(options.connect ? { connect: options.connect } : {}),
      },
      { opened: () => this.opened(), frame: (data) => this.onFrame(data), closed: () => this.teardown() },
    );
  }

  start(): void {
    this.transport.start();
  }

  /** The register changed: send soon (coalesced within one turn of the event loop). */
  changed(): void {
    if (!this.connected || this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  status(): PeerLinkStatus {
    return {
      url: this.options.url, self: this.isSelf, hubId: this.peerId, connected: this.connected, since: this.since,
      pending: this.register.lastSeq - this.ackedSeq,
      lagMs: this.lagMs, lastExchange: this.lastExchange, clockOffsetMs: this.clockOffsetMs,
      reconnects: this.transport.reconnects, lastError: this.transport.lastError,
    };
  }

  close(): void {
    this.transport.close();
  }

  private send(message: PeerInbound): void {
    this.transport.send(encodePeerMessage(message));
  }

  private opened(): void {
    this.helloSentAt = Date.now();
    this.send({ t: 'peer_hello', protocol: PEER_PROTOCOL_VERSION, hub_id: this.options.hubId, epoch: this.options.epoch, version: VERSION, now: this.helloSentAt, last_seq: this.register.lastSeq });
  }

  private onFrame(data: Buffer): void {
    const message = decodePeerOutbound(data, this.options.frameBytes);
    const now = Date.now();
    this.lastExchange = now;
    if (message.t === 'peer_welcome') {
      if (this.connected) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', 'a second peer welcome');
      if (message.hub_id === this.options.hubId) {
        this.isSelf = true;
        throw new FederationError('CN_ERR_SELF_PEER', `${this.options.url} is this hub itself`);
      }
      this.transport.welcome();
      this.connected = true;
      this.since = now;
      this.peerId = message.hub_id;
      this.clockOffsetMs = message.now - Math.round((this.helloSentAt + now) / 2);
      // The peer holds this epoch's changes up to acked_seq (none after its own restart or data loss).
      this.sentSeq = this.ackedSeq = Math.min(message.acked_seq ?? 0, this.register.lastSeq);
      this.options.logger.info({ peer: message.hub_id, url: this.options.url, acked_seq: message.acked_seq, to_send: this.register.lastSeq - this.ackedSeq }, 'peer connected');
      this.flush();
      this.options.onStatus?.();
      return;
    }
    if (!this.connected) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', 'a peer ack before the welcome');
    if (message.seq > this.sentSeq) throw new FederationError('CN_ERR_BAD_MESSAGE', `ack of seq ${message.seq}, which was never sent`);
    while (this.inFlight.length > 0 && (this.inFlight[0] as { seq: number }).seq <= message.seq) {
      const done = this.inFlight.shift() as { seq: number; since: number };
      this.lagMs = Math.max(0, now - done.since);
      this.onLag?.(this.lagMs);
    }
    this.ackedSeq = Math.max(this.ackedSeq, message.seq);
    this.flush();
    this.options.onStatus?.();
  }

  private flush(): void {
    while (this.connected && this.inFlight.length < MAX_IN_FLIGHT && this.transport.bufferedAmount < HIGH_WATER_BYTES) {
      let entries = this.register.since(this.sentSeq, MAX_ENTRIES_PER_MESSAGE);
      let alerts = this.alerts.since(this.sentSeq, MAX_ALERTS_PER_MESSAGE);
      if (entries.length === 0 && alerts.length === 0) return;
      // One seq numbers both kinds: a full batch of one kind ends the message where it ends.
      let upTo = this.register.lastSeq;
      if (entries.length === MAX_ENTRIES_PER_MESSAGE) upTo = Math.min(upTo, (entries[entries.length - 1] as { seq: number }).seq);
      if (alerts.length === MAX_ALERTS_PER_MESSAGE) upTo = Math.min(upTo, (alerts[alerts.length - 1] as { seq: number }).seq);
      entries = entries.filter((h) => h.seq <= upTo);
      alerts = alerts.filter((h) => h.seq <= upTo);
      this.send({ t: 'peer_entries', seq: upTo, entries: entries.map((h) => h.entry), alerts: alerts.map((h) => h.record) });
      this.inFlight.push({ seq: upTo, since: Math.min(...entries.map((h) => h.changedAt), ...alerts.map((h) => h.changedAt)) });
      this.sentSeq = upTo;
    }
  }

  private teardown(): void {
    // The peer refused our hello as its own: this URL is this hub (e.g. every replica lists all of them).
    if (this.isSelf || this.transport.lastError.startsWith('CN_ERR_SELF_PEER')) {
      if (!this.isSelf) this.options.logger.info({ url: this.options.url }, 'this peer URL reaches this hub itself: not dialled again');
      this.isSelf = true;
      this.transport.close();
    }
    if (this.connected) {
      this.options.logger.info({ peer: this.peerId, url: this.options.url }, 'peer disconnected');
      this.since = Date.now();
      this.options.onStatus?.();
    }
    this.connected = false;
    this.inFlight.length = 0;
    this.flushQueued = false;
  }
}
