import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { FederationError } from '../../common/federation/errors.js';
import { PEER_SUBPROTOCOL } from '../../common/federation/peer-messages.js';
import type { Delta, Sync } from '../../common/federation/messages.js';
import type { HubState, MergeStats } from '../state/hub-state.js';
import type { Source } from '../state/sources.js';
import { bearerMatches } from '../../common/http/bearer.js';
import { Session } from './session.js';
import { SYNC_ADMISSION_DEFAULTS, SyncAdmission } from './sync-admission.js';

export interface FederationServerOptions {
  readonly hubId: string;
  /** Other names of this hub (its upstream name), for loop detection. */
  readonly aliases?: readonly string[];
  readonly tokens: readonly string[];
  readonly frameBytes: number;
  readonly logger: Logger;
  readonly helloTimeoutMs?: number;
  /** Sources admitted into their initial exchange at once, and the queue's stall timeout (hub.sync_admission). */
  readonly syncAdmission?: { readonly slots: number; readonly stallMs: number };
  readonly heartbeatMs?: number;
  readonly onMerged?: (source: Source, message: Sync | Delta, stats: MergeStats, micros: number, bytes: number) => void;
  readonly onRejected?: (reason: 'unauthorized' | 'path') => void;
  readonly onProtocolError?: (code: string) => void;
  /** Takes a connection that asked for the peer subprotocol (hub.peers); absent: such connections are refused. */
  readonly peer?: (ws: WebSocket) => void;
}

/**
 * `/federate`: the WebSocket endpoint sources stream into. The token is checked on the HTTP upgrade
 * (401 before any WebSocket exists); no permessage-deflate; frames above the limit are refused by ws.
 * Owned by the hub; lives until close().
 */
export class FederationServer {
  private readonly wss: WebSocketServer;
  /** The live session of each source name (a newer connection replaces an older one). */
  private readonly sessions = new Map<string, Session>();
  readonly admission: SyncAdmission;

  constructor(
    private readonly state: HubState,
    private readonly options: FederationServerOptions,
  ) {
    const admission = options.syncAdmission ?? SYNC_ADMISSION_DEFAULTS;
    this.admission = new SyncAdmission(admission.slots, admission.stallMs);
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: options.frameBytes, clientTracking: true });
  }

  /** Hooks the upgrade handler on the hub's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/federate') {
      this.options.onRejected?.('path');
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!bearerMatches(req.headers.authorization, this.options.tokens)) {
      this.options.onRejected?.('unauthorized');
      this.options.logger.warn({ remote: req.socket.remoteAddress }, 'federation connection refused: missing or wrong bearer token');
      const body = '{"error":{"code":"unauthorized","message":"a valid agent token is required (Authorization: Bearer ...)"}}';
      socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (protocols.includes(PEER_SUBPROTOCOL)) {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (this.options.peer !== undefined) this.options.peer(ws);
        else ws.close(new FederationError('CN_ERR_UNEXPECTED_MESSAGE', '').closeCode, 'CN_ERR_UNEXPECTED_MESSAGE');
      });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      new Session(ws, this.state, {
        hubId: this.options.hubId,
        selfNames: [this.options.hubId, ...(this.options.aliases ?? [])],
        admission: this.admission,
        frameBytes: this.options.frameBytes,
        helloTimeoutMs: this.options.helloTimeoutMs ?? 10_000,
        heartbeatMs: this.options.heartbeatMs ?? 15_000,
        logger: this.options.logger,
        ...(this.options.onMerged ? { onMerged: this.options.onMerged } : {}),
        ...(this.options.onProtocolError ? { onProtocolError: this.options.onProtocolError } : {}),
        claim: (name, session) => {
          const old = this.sessions.get(name);
          this.sessions.set(name, session);
          if (old !== undefined && old !== session) old.fail(new FederationError('CN_ERR_REPLACED', `a newer connection of ${name} replaced this one`));
        },
        release: (name, session) => {
          if (this.sessions.get(name) !== session) return;
          this.sessions.delete(name);
          const source = this.state.sources.get(name);
          if (source !== undefined) {
            source.connected = false;
            this.state.sourceChanged(source);
            this.options.logger.info({ source: name }, 'source disconnected');
          }
        },
      });
    });
  }

  get connected(): number {
    return this.sessions.size;
  }

  /** Closes every connection with a coded reason; sources reconnect to the next hub process. */
  close(): void {
    for (const session of this.sessions.values()) session.fail(new FederationError('CN_ERR_SHUTTING_DOWN', 'hub shutting down'));
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.admission.close();
  }
}
