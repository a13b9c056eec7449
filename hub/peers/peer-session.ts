import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { FederationError } from '../../common/federation/errors.js';
import { Heartbeat } from '../../common/federation/heartbeat.js';
import { receiveFrames } from '../federation/receive-frames.js';
import { decodePeerInbound, encodePeerMessage } from '../../common/federation/peer-codec.js';
import { type PeerEntries, type PeerHello, PEER_PROTOCOL_VERSION, type PeerOutbound } from '../../common/federation/peer-messages.js';

/** Messages a peer may have in flight (its link keeps at most 8). */
const MAX_WAITING = 64;

/** What an inbound peer connection needs from the peering. */
export interface PeerSessionHost {
  readonly hubId: string;
  /** The peer said hello: the last seq of its epoch applied here, or null. */
  admitted(hello: PeerHello, session: PeerSession): number | null;
  /** Applies (durably) a message's entries; throws FederationError to refuse it. */
  receive(hello: PeerHello, message: PeerEntries): Promise<void>;
  closed(hello: PeerHello, session: PeerSession): void;
  /** The socket ended (with or without a hello): the session holds nothing any more. */
  ended?(session: PeerSession): void;
}

export interface PeerSessionOptions {
  readonly frameBytes: number;
  readonly helloTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
  readonly onProtocolError?: (code: string) => void;
}

/**
 * A peer hub's connection into this one (the `crowsnest-peer.v1` subprotocol on /federate): hello,
 * then register entries applied in order and acknowledged once fsynced. Any malformed or unknown
 * frame closes it with a code before anything of that frame is applied.
 * Owned by the federation server's upgrade handler; lives as long as the WebSocket.
 */
export class PeerSession {
  private hello: PeerHello | undefined;
  private closed = false;
  /** Messages are applied one after the other, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  /** Messages received and not yet applied: bounded (a sender keeps at most a few in flight). */
  private waiting = 0;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly heartbeat: Heartbeat;
  /** After a coded close, the socket is terminated if the peer does not finish the close handshake. */
  private terminateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly host: PeerSessionHost,
    private readonly options: PeerSessionOptions,
  ) {
    this.helloTimer = setTimeout(() => this.fail(new FederationError('CN_ERR_HELLO_TIMEOUT', `no peer hello within ${options.helloTimeoutMs} ms`)), options.helloTimeoutMs);
    this.heartbeat = new Heartbeat(ws, options.heartbeatMs, () => options.logger.warn({ peer: this.hello?.hub_id }, 'peer stopped answering pings; terminating'));
    receiveFrames(ws, this.heartbeat, (data) => this.onFrame(data), (err) => this.fail(err));
    ws.on('close', () => this.onClose());
    ws.on('error', (err: Error) => options.logger.debug({ peer: this.hello?.hub_id, err: err.message }, 'peer socket error'));
  }

  fail(err: FederationError): void {
    if (this.closed) return;
    this.closed = true;
    this.options.logger.warn({ peer: this.hello?.hub_id, code: err.code, err: err.message }, 'closing peer connection');
    this.options.onProtocolError?.(err.code);
    // Armed before the close: a socket may report its close at once, and onClose clears it then.
    this.terminateTimer = setTimeout(() => this.ws.terminate(), 2_000).unref();
    this.ws.close(err.closeCode, err.code);
  }

  private send(message: PeerOutbound): void {
    if (!this.closed) this.ws.send(encodePeerMessage(message), { binary: true });
  }

  private onFrame(data: Buffer): void {
    const message = decodePeerInbound(data, this.options.frameBytes);
    if (message.t === 'peer_hello') {
      if (this.hello !== undefined) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', 'a second peer hello on one connection');
      clearTimeout(this.helloTimer);
      if (message.protocol !== PEER_PROTOCOL_VERSION) throw new FederationError('CN_ERR_PROTOCOL_VERSION', `peer protocol ${message.protocol} is not supported (this hub speaks ${PEER_PROTOCOL_VERSION})`);
      if (message.hub_id === this.host.hubId) throw new FederationError('CN_ERR_SELF_PEER', `a peer announced this hub's own id ${message.hub_id} (a hub listed as its own peer, or two hubs with one hub_id)`);
      this.hello = message;
      const acked = this.host.admitted(message, this);
      this.send({ t: 'peer_welcome', hub_id: this.host.hubId, acked_seq: acked, now: Date.now() });
      return;
    }
    const hello = this.hello;
    if (hello === undefined) throw new FederationError('CN_ERR_UNEXPECTED_MESSAGE', `${message.t} before the peer hello`);
    if (++this.waiting > MAX_WAITING) throw new FederationError('CN_ERR_BUSY', `more than ${MAX_WAITING} peer messages waiting to be applied`);
    this.chain = this.chain.then(async () => {
      this.waiting--;
      if (this.closed) return;
      try {
        await this.host.receive(hello, message);
        this.send({ t: 'peer_ack', seq: message.seq });
      } catch (err) {
        if (err instanceof FederationError) this.fail(err);
        else {
          // Not the peer's fault (a failed fsync): no ack, the peer sends it again on its next connection.
          this.options.logger.error({ peer: hello.hub_id, err: (err as Error).message }, 'applying peer entries failed; dropping the connection');
          this.closed = true;
          this.ws.terminate();
        }
      }
    });
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.helloTimer);
    clearTimeout(this.terminateTimer);
    this.heartbeat.stop();
    if (this.hello !== undefined) this.host.closed(this.hello, this);
    this.host.ended?.(this);
  }
}
