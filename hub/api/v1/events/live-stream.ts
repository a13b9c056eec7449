import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { LiveEvent } from '../../../../common/api/v1.js';
import type { HubState, StateEvent } from '../../../state/hub-state.js';

export interface LiveStreamOptions {
  /** Changes are gathered this long and sent as one batch (at most 1000 / flushMs batches a second). */
  readonly flushMs?: number;
  readonly heartbeatMs?: number;
  /** A client with more unsent bytes than this is dropped (it reconnects and refetches). */
  readonly maxBufferedBytes?: number;
  readonly maxClients?: number;
  /** Keys listed per service and batch; beyond it the event says `truncated`. */
  readonly maxKeysPerEvent?: number;
  readonly logger: Logger;
}

const DEFAULTS = {
  flushMs: 250,
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024,
  maxClients: 256,
  maxKeysPerEvent: 500,
} as const;

interface PendingService {
  readonly keys: Set<string>;
  truncated: boolean;
}

/**
 * The live stream behind `GET /api/v1/events` (Server-Sent Events): state changes are coalesced into
 * at most one batch per `flushMs` ("groups changed in service S: keys [...]", "services", "sources"),
 * a heartbeat comment keeps proxies from closing idle streams, and a client that does not read is
 * dropped once its unsent bytes pass `maxBufferedBytes`, so memory stays bounded. Nothing is gathered
 * while no client is connected. Owned by the hub; lives until close().
 */
export class LiveStream {
  private readonly options: Required<Omit<LiveStreamOptions, 'logger'>>;
  private readonly clients = new Set<ServerResponse>();
  private pending = new Map<string, PendingService>();
  private servicesChanged = false;
  private sourcesChanged = false;
  private alertFired = false;
  private peersChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  /** Clients dropped for reading too slowly, since start. */
  dropped = 0;
  /** Events written, summed over clients. */
  events = 0;

  constructor(
    state: HubState,
    private readonly logger: LiveStreamOptions['logger'],
    options: Omit<LiveStreamOptions, 'logger'> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    state.onEvent((e) => this.onStateEvent(e));
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n', 0), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.options.maxClients;
  }

  /** Starts streaming to `res` (check `full` first); the client is forgotten when it disconnects. */
  open(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 2000\n: connected\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Ends every stream (hub shutdown). */
  close(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** A notification fired (hub/notify): clients get an `alert` event with the next batch. */
  alert(): void {
    if (this.clients.size === 0) return;
    this.alertFired = true;
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  /** A peer connected, disconnected or acknowledged (hub/peers): clients get a `peers` event with the next batch. */
  peers(): void {
    if (this.clients.size === 0) return;
    this.peersChanged = true;
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  private onStateEvent(e: StateEvent): void {
    if (this.clients.size === 0) return;
    if (e.type === 'source') {
      this.sourcesChanged = true;
    } else {
      this.servicesChanged = true;
      let p = this.pending.get(e.group.service);
      if (p === undefined) this.pending.set(e.group.service, (p = { keys: new Set(), truncated: false }));
      if (p.keys.size < this.options.maxKeysPerEvent) p.keys.add(e.group.key);
      else if (!p.keys.has(e.group.key)) p.truncated = true;
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  private flush(): void {
    this.timer = undefined;
    const events: LiveEvent[] = [];
    for (const [service, p] of this.pending) events.push({ type: 'groups', service, keys: [...p.keys], truncated: p.truncated });
    if (this.servicesChanged) events.push({ type: 'services' });
    if (this.sourcesChanged) events.push({ type: 'sources' });
    if (this.alertFired) events.push({ type: 'alert' });
    if (this.peersChanged) events.push({ type: 'peers' });
    this.pending = new Map();
    this.servicesChanged = false;
    this.sourcesChanged = false;
    this.alertFired = false;
    this.peersChanged = false;
    if (events.length === 0) return;
    this.broadcast(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''), events.length);
  }

  private broadcast(text: string, events: number): void {
    for (const res of this.clients) {
      if (res.destroyed || res.writableEnded) {
        this.clients.delete(res);
        continue;
      }
      res.write(text);
      this.events += events;
      if (res.writableLength > this.options.maxBufferedBytes) {
        this.dropped++;
        this.clients.delete(res);
        this.logger.info({ buffered: res.writableLength, remote: res.socket?.remoteAddress }, 'live-stream client reads too slowly; dropped (it reconnects)');
        res.destroy();
      }
    }
  }
}
