import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { backoffDelay } from '../backoff.js';
import { federationErrorName, FederationError } from './errors.js';
import { Heartbeat, type PingableSocket } from './heartbeat.js';

/** How long a source waits for the welcome: a hub admits a few syncs at a time after a restart. */
export const WELCOME_TIMEOUT_MS = 60_000;
/**
 * The backoff starts afresh only after a welcomed connection lasted this long: a hub or peer that
 * welcomes and drops at once (flapping) is redialled with a growing wait, not every half second.
 */
export const STABLE_CONNECTION_MS = 10_000;
/** How long the WebSocket upgrade may take. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The part of ws's WebSocket a link uses; tests give an in-memory one. */
export interface LinkSocket extends PingableSocket {
  readonly bufferedAmount: number;
  send(frame: Buffer): void;
  close(code?: number, reason?: string): void;
  on(event: 'open' | 'pong', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): this;
}

/** Opens a socket to a hub's /federate. */
export type SocketFactory = (url: string, options: { readonly token: string; readonly maxPayload: number; readonly protocol?: string }) => LinkSocket;

/** A real WebSocket: bearer token on the upgrade, no compression (DESIGN section 4), binary frames as Buffers. */
export const openWebSocket: SocketFactory = (url, { token, maxPayload, protocol }) => {
  const ws = new WebSocket(url, protocol === undefined ? [] : [protocol], { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, maxPayload, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  ws.binaryType = 'nodebuffer';
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (frame) => ws.send(frame, { binary: true }),
    close: (code, reason) => ws.close(code, reason),
    ping: () => ws.ping(),
    terminate: () => ws.terminate(),
    on(event: string, listener: (...args: never[]) => void) {
      ws.on(event, listener as (...args: unknown[]) => void);
      return this;
    },
  } as LinkSocket;
};

export interface TransportOptions {
  readonly url: string;
  readonly token: string;
  readonly frameBytes: number;
  readonly heartbeatMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly logger: Logger;
  readonly random?: () => number;
  readonly connect?: SocketFactory;
  /** The WebSocket subprotocol to ask for (a peer link's); none for a source link. */
  readonly protocol?: string;
}

/** What the link does when the connection opens, brings a frame, or ends. */
export interface TransportHandlers {
  /** The socket is open: send the hello. */
  opened(): void;
  /** A frame from the hub; throwing closes the connection (a FederationError's code is kept). */
  frame(data: Buffer): void;
  /** The connection ended (whatever the reason): forget per-connection state. */
  closed(): void;
}

/**
 * The socket lifecycle of one source -> hub link: connect with the token, wait (bounded) for the
 * welcome, heartbeats, and reconnects with exponential backoff and full jitter, capped, and reset
 * once a welcomed connection lasted STABLE_CONNECTION_MS. It knows nothing of messages beyond counting their bytes.
 * Owned by a SourceLink; lives until close().
 */
export class LinkTransport {
  private socket: LinkSocket | undefined;
  private heartbeat: Heartbeat | undefined;
  private welcomeTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private welcomed = false;
  private welcomedAt = 0;
  private closing = false;
  reconnects = 0;
  bytesSent = 0;
  messagesSent = 0;
  lastError = '';

  constructor(
    private readonly options: TransportOptions,
    private readonly handlers: TransportHandlers,
  ) {}

  start(): void {
    this.connect();
  }

  /** Bytes the socket holds that the hub has not read yet. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** The hub answered the hello: the backoff starts afresh after this connection if it lasts (STABLE_CONNECTION_MS). */
  welcome(): void {
    clearTimeout(this.welcomeTimer);
    this.welcomed = true;
    this.welcomedAt = Date.now();
  }

  send(frame: Buffer): void {
    this.bytesSent += frame.length;
    this.messagesSent++;
    this.socket?.send(frame);
  }

  close(): void {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.stopTimers();
    this.socket?.close(1001, 'source shutting down');
  }

  private connect(): void {
    if (this.closing) return;
    const { logger, url } = this.options;
    const socket = (this.options.connect ?? openWebSocket)(url, {
      token: this.options.token,
      maxPayload: this.options.frameBytes,
      ...(this.options.protocol === undefined ? {} : { protocol: this.options.protocol }),
    });
    this.socket = socket;
    this.welcomed = false;
    socket.on('open', () => {
      this.heartbeat = new Heartbeat(socket, this.options.heartbeatMs, () => {
        this.lastError = 'heartbeat: hub stopped answering pings';
        logger.warn({ hub: url }, 'hub stopped answering pings; reconnecting');
      });
      this.welcomeTimer = setTimeout(() => {
        this.lastError = `no welcome within ${WELCOME_TIMEOUT_MS / 1000} s`;
        socket.terminate();
      }, WELCOME_TIMEOUT_MS);
      this.handlers.opened();
    });
    socket.on('pong', () => this.heartbeat?.seen());
    socket.on('message', (data: Buffer) => {
      this.heartbeat?.seen();
      try {
        this.handlers.frame(data);
      } catch (err) {
        const code = err instanceof FederationError ? err.code : 'CN_ERR_BAD_MESSAGE';
        this.lastError = `${code}: ${(err as Error).message}`;
        logger.error({ hub: url, code, err: (err as Error).message }, 'invalid message from hub; reconnecting');
        socket.terminate();
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      this.lastError = `hub answered HTTP ${res.statusCode} to the upgrade`;
      const hint = res.statusCode === 401 ? ' (check the token in hubs[].token / upstream.token)' : '';
      logger.error({ hub: url, status: res.statusCode }, `hub refused the connection${hint}`);
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => {
      this.lastError = err.message;
      logger.debug({ hub: url, err: err.message }, 'federation link error');
    });
    socket.on('close', (code, reason) => {
      const name = federationErrorName(code);
      if (name !== undefined && !this.closing) {
        this.lastError = `${name}: ${reason.toString()}`;
        logger.error({ hub: url, code: name, reason: reason.toString() }, 'hub closed the link');
      }
      this.stopTimers();
      this.handlers.closed();
      if (this.closing) return;
      if (this.welcomed && Date.now() - this.welcomedAt >= STABLE_CONNECTION_MS) this.attempt = 0;
      const delay = backoffDelay(this.attempt++, this.options.backoffBaseMs, this.options.backoffCapMs, this.options.random);
      this.reconnects++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private stopTimers(): void {
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    clearTimeout(this.welcomeTimer);
  }
}
