import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { decodeSourceMessage, encodeMessage } from '../../common/federation/codec.js';
import { FederationError } from '../../common/federation/errors.js';
import { Heartbeat } from '../../common/federation/heartbeat.js';
import { receiveFrames } from './receive-frames.js';
import { WireStringDecoder } from '../../common/federation/string-table.js';
import { type Delta, type Hello, type HubMessage, MAX_HOPS, PROTOCOL_VERSION, type Sync } from '../../common/federation/messages.js';
import type { HubState, MergeStats } from '../state/hub-state.js';
import type { Source } from '../state/sources.js';
import type { SyncAdmission } from './sync-admission.js';

/** How long a peer may take to complete the close handshake after a protocol error before it is cut. */
export const CLOSE_GRACE_MS = 2_000;

export interface SessionOptions {
  readonly hubId: string;
  /** Names this hub is known by upstream (its id, its upstream name): seeing one below means a loop. */
  readonly selfNames: readonly string[];
  readonly frameBytes: number;
  readonly helloTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
  /** Called after each merged message (metrics). */
  readonly onMerged?: (source: Source, message: Sync | Delta, stats: MergeStats, micros: number, bytes: number) => void;
  /** Counts a protocol error by its code (metrics). */
  readonly onProtocolError?: (code: string) => void;
  /** Admission of the initial exchange (a sync after a hub restart). */
  readonly admission: SyncAdmission;
  /** A newer connection took this source's name: the older one is closed. */
  readonly claim: (name: string, session: Session) => void;
  readonly release: (name: string, session: Session) => void;
}

/**
 * One source's connection to this hub: waits for the hello, answers welcome, merges every sync and
 * delta in order and acks it. Protocol violations close the connection with a coded reason.
 * Owned by the federation server; lives as long as the WebSocket.
 */
export class Session {
  private source: Source | undefined;
  private hello: Hello | undefined;
  /** Connection-local lineage refs -> hub lineage ids. */
  private readonly refs = new Map<number, number>();
  /** The connection's string table (wire economy). */
  private readonly strings = new WireStringDecoder();
  private closed = false;
  /** Holds an admission slot until its first delta, the last part of its sync, or its close. */
  private holdsSlot = false;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly ws: WebSocket,
    private readonly state: HubState,
    private readonly options: SessionOptions,
  ) {
    this.helloTimer = setTimeout(() => this.fail(new FederationError('CN_ERR_HELLO_TIMEOUT', `no hello within ${options.helloTimeoutMs} ms`)), options.helloTimeoutMs);
    this.heartbeat = new Heartbeat(ws, options.heartbeatMs, () => options.logger.warn({ source: this.hello?.name }, 'source stopped answering pings; terminating'));
    receiveFrames(ws, this.heartbeat, (data) => this.onFrame(data), (err) => this.fail(err));
    ws.on('close', () => this.onClose());
    ws.on('error', (err: Error & { code?: string }) => {
      // ws refuses a frame above maxPayload itself (close 1009); count it under our code.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        options.logger.warn({ source: this.hello?.name, code: 'CN_ERR_FRAME_TOO_LARGE', err: err.message }, 'closing federation connection');
        options.onProtocolError?.('CN_ERR_FRAME_TOO_LARGE');
      } else {
        options.logger.debug({ source: this.hello?.name, err: err.message }, 'federation socket error');
      }
    });
  }

  get name(): string | undefined {
    return this.hello?.name;
  }

  /** Closes with a coded reason (also used when a newer connection replaces this one). */
  fail(err: FederationError): void {
    this.options.logger.warn({ source: this.hello?.name, code: err.code, err: err.message }, 'closing federation connection');
    this.options.onProtocolError?.(err.code);
    if (this.source !== undefined) this.source.anomalies++;
    this.ws.close(err.closeCode, err.code);
    // A peer that never completes the close handshake is cut.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private send(message: HubMessage): void {
    this.ws.send(encodeMessage(message), { binary: true });
  }

  private onFrame(data: Buffer): void {
    const started = process.hrtime.bigint();
    const message = decodeSourceMessage(data, this.options.frameBytes);
    if (message.t === 'hello') {
      if (this.hello !== undefined) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', 'a second hello on one connection');
      this.onHello(message);
      return;
    }
    const source = this.source;
    if (source === undefined) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', `${message.t} before hello`);
    for (const def of message.lineages ?? []) {
      const via = [...def.via, source.name];
      if (via.some((n) => this.options.selfNames.includes(n))) {
        throw new FederationError('CN_ERR_LOOP_DETECTED', `lineage ${def.name} came through ${via.join(' > ')}, which includes this hub`);
      }
      if (via.length > MAX_HOPS) throw new FederationError('CN_ERR_TOO_MANY_HOPS', `lineage ${def.name} crossed ${via.length} hubs; at most ${MAX_HOPS}`);
      this.refs.set(def.ref, this.state.lineages.intern(def.name, def.epoch, def.labels, via).id);
    }
    this.strings.define(message.strings);
    source.lastMessageAt = Date.now();
    source.messagesIn++;
    source.bytesIn += data.length;
    const stats = this.state.mergeMessage(source, message, (ref) => this.refs.get(ref), (o) => this.strings.decode(o));
    this.send({ t: 'ack', seq: message.seq });
    if (this.holdsSlot && (message.t === 'delta' || message.last)) this.releaseSlot();
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    this.options.onMerged?.(source, message, stats, micros, data.length);
  }

  private onHello(hello: Hello): void {
    clearTimeout(this.helloTimer);
    if (hello.protocol !== PROTOCOL_VERSION) {
      throw new FederationError('CN_ERR_PROTOCOL_VERSION', `protocol ${hello.protocol} is not supported (this hub speaks ${PROTOCOL_VERSION})`);
    }
    const self = this.options.selfNames;
    if (hello.path.some((n) => self.includes(n)) || self.includes(hello.name)) {
      throw new FederationError('CN_ERR_LOOP_DETECTED', `hub ${this.options.hubId} is already on the path ${hello.path.join(' > ') || hello.name}`);
    }
    if (hello.path.length >= MAX_HOPS) {
      throw new FederationError('CN_ERR_TOO_MANY_HOPS', `path ${hello.path.join(' > ')} has ${hello.path.length} hubs; at most ${MAX_HOPS - 1} below this one`);
    }
    this.hello = hello;
    void this.admit(hello);
  }

  /** Waits for an admission slot, then registers the source and answers welcome. */
  private async admit(hello: Hello): Promise<void> {
    const admitted = await this.options.admission.acquire();
    if (!admitted) {
      this.fail(new FederationError('CN_ERR_BUSY', 'too many sources are syncing; reconnect later'));
      return;
    }
    this.holdsSlot = true;
    if (this.closed) {
      this.releaseSlot();
      return;
    }
    const source = this.state.source(hello.name, hello.kind, hello.epoch);
    const previousEpoch = source.lastEpoch !== hello.epoch ? source.lastEpoch : null;
    const knownBefore = source.ackedSeqs.size > 0;
    source.kind = hello.kind;
    source.labels = hello.labels;
    source.lastEpoch = hello.epoch;
    source.path = hello.path;
    source.version = hello.version;
    source.connected = true;
    source.connectedAt = Date.now();
    source.connections++;
    this.source = source;
    this.options.claim(hello.name, this);
    this.state.sourceChanged(source);
    if (hello.kind === 'agent') {
      // Ref 0 is the agent's own lineage.
      this.refs.set(0, this.state.lineages.intern(hello.name, hello.epoch, hello.labels, []).id);
    }
    this.send({
      t: 'welcome',
      hub_id: this.options.hubId,
      acked_seq: source.ackedSeqs.get(hello.epoch) ?? null,
      previous_epoch: knownBefore ? previousEpoch : null,
    });
    this.options.logger.info({ source: hello.name, kind: hello.kind, epoch: hello.epoch, previous_epoch: previousEpoch }, 'source connected');
  }

  private releaseSlot(): void {
    this.holdsSlot = false;
    this.options.admission.release();
  }

  private onClose(): void {
    this.closed = true;
    if (this.holdsSlot) this.releaseSlot();
    clearTimeout(this.helloTimer);
    this.heartbeat.stop();
    const name = this.hello?.name;
    if (name !== undefined) this.options.release(name, this);
  }
}
