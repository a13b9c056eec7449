import net from 'node:net';
import { type ResponseReader, ResponseError } from './response-reader.js';
import { ScrapeError } from './scrape-error.js';

/**
 * The one buffer every scrape connection reads into (`onread`): each read is consumed, copied into
 * the target's body buffer and hashed, inside the callback, before the next read can happen. Node
 * otherwise allocates an ArrayBuffer per socket read; V8 counts those bytes towards starting a full
 * mark-compact, so receiving 280 KB bodies drove the agent's major GCs at a rate set by the bytes
 * scraped (docs/performance.md).
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

export interface PlainConnectionOptions {
  readonly connectTimeoutMs: number;
  /** A connection idle longer than this is not reused (the target has likely dropped it). */
  readonly keepAliveTimeoutMs: number;
  readonly now: () => number;
}

interface Exchange {
  readonly reader: ResponseReader;
  readonly resolve: () => void;
  readonly reject: (err: ScrapeError) => void;
  /** Response bytes seen: a reused connection that fails before any may be retried once. */
  received: number;
}

/**
 * One keep-alive HTTP/1.1 connection to a plain-http target, used by its scrape loop for one request
 * at a time. Bytes are read into a shared buffer and handed to a ResponseReader, so receiving a body
 * allocates nothing per read. A reused connection that the target closed while idle is retried once
 * on a new one (the request is a GET). Owned by a scrape loop; lives until `close()`.
 */
export class PlainConnection {
  #socket: net.Socket | undefined;
  #idleSince = 0;
  #exchange: Exchange | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: PlainConnectionOptions,
  ) {}

  /**
   * Sends `request` (a complete request head) and reads the answer with `reader` until it is done,
   * the deadline passes or the connection fails. Throws ScrapeError.
   */
  async exchange(request: string, reader: () => ResponseReader, timeoutMs: number): Promise<ResponseReader> {
    const deadline = this.options.now() + timeoutMs;
    const reused = this.#socket !== undefined && this.options.now() - this.#idleSince < this.options.keepAliveTimeoutMs;
    if (!reused) this.#drop();
    const first = reader();
    try {
      await this.#once(request, first, deadline, timeoutMs);
      return first;
    } catch (err) {
      const retry = reused && err instanceof RetryableError;
      if (!retry) throw err instanceof RetryableError ? err.cause : err;
    }
    const second = reader();
    try {
      await this.#once(request, second, deadline, timeoutMs);
    } catch (err) {
      throw err instanceof RetryableError ? err.cause : err;
    }
    return second;
  }

  /** Closes the connection; a request in flight fails. */
  close(): void {
    this.#fail(new ScrapeError('connection', 'the scrape was stopped'));
  }

  async #once(request: string, reader: ResponseReader, deadline: number, timeoutMs: number): Promise<void> {
    const remaining = deadline - this.options.now();
    if (remaining <= 0) throw new ScrapeError('timeout', `no complete answer within ${timeoutMs} ms`);
    const connectMs = Math.min(remaining, this.options.connectTimeoutMs);
    const socket = this.#socket ?? (await this.#connect(connectMs, connectMs === remaining ? `no complete answer within ${timeoutMs} ms` : undefined));
    socket.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#exchange = { reader, resolve, reject, received: 0 };
        timer = setTimeout(() => this.#fail(new ScrapeError('timeout', `no complete answer within ${timeoutMs} ms`)), Math.max(0, deadline - this.options.now()));
        socket.write(request, 'latin1');
      });
    } finally {
      clearTimeout(timer);
      this.#exchange = undefined;
    }
    if (reader.keepAlive && this.#socket === socket) {
      this.#idleSince = this.options.now();
      // An idle connection does not keep the process alive.
      socket.unref();
    } else {
      this.#drop();
    }
  }

  /** `deadlineMessage`: the connect timeout is the scrape's deadline (a timeout, not a connection failure). */
  #connect(timeoutMs: number, deadlineMessage: string | undefined): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket: net.Socket = net.connect({
        host: this.host,
        port: this.port,
        noDelay: true,
        onread: { buffer: READ_BUFFER, callback: (n: number): boolean => this.#onRead(socket, n) },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          deadlineMessage !== undefined
            ? new ScrapeError('timeout', deadlineMessage)
            : new ScrapeError('connection', `connect to ${this.host}:${this.port} timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.#socket = socket;
        resolve(socket);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (this.#socket !== socket) {
          reject(new ScrapeError('connection', err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message));
          return;
        }
        this.#connectionLost(socket, err.code ?? err.message);
      });
      socket.on('end', () => this.#onEnd(socket));
      socket.on('close', () => {
        clearTimeout(timer);
        if (this.#socket === socket) this.#connectionLost(socket, 'closed');
      });
    });
  }

  #onRead(socket: net.Socket, n: number): boolean {
    const exchange = this.#exchange;
    if (exchange === undefined || this.#socket !== socket) {
      // Bytes nobody asked for (after a complete response, or while idle): the connection is unusable.
      if (this.#socket === socket) this.#drop();
      return false;
    }
    exchange.received += n;
    const piece = READ_BUFFER.subarray(0, n);
    try {
      const used = exchange.reader.feed(piece);
      if (exchange.reader.settled || used < n) {
        if (used < n) this.#drop(); // extra bytes or a stopped read: do not reuse
        exchange.resolve();
      }
    } catch (err) {
      this.#drop();
      exchange.reject(toScrapeError(err));
    }
    return true;
  }

  #onEnd(socket: net.Socket): void {
    const exchange = this.#exchange;
    if (this.#socket !== socket) return;
    if (exchange === undefined) {
      this.#drop();
      return;
    }
    try {
      exchange.reader.end();
      this.#drop();
      exchange.resolve();
    } catch (err) {
      this.#drop();
      exchange.reject(exchange.received === 0 ? new RetryableError(toScrapeError(err)) : toScrapeError(err));
    }
  }

  #connectionLost(socket: net.Socket, why: string): void {
    if (this.#socket !== socket) return;
    const exchange = this.#exchange;
    this.#drop();
    if (exchange === undefined) return;
    const err = new ScrapeError('connection', `the connection failed: ${why}`);
    exchange.reject(exchange.received === 0 ? new RetryableError(err) : err);
  }

  #fail(err: ScrapeError): void {
    const exchange = this.#exchange;
    this.#drop();
    exchange?.reject(err);
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }
}

/** A failure before the first response byte on a reused connection: the request may be sent again. */
class RetryableError extends ScrapeError {
  constructor(override readonly cause: ScrapeError) {
    super(cause.reason, cause.message);
  }
}

function toScrapeError(err: unknown): ScrapeError {
  if (err instanceof ScrapeError) return err;
  if (err instanceof ResponseError) {
    return err.reason === 'body_too_large' ? new ScrapeError('body_too_large', err.message) : new ScrapeError('connection', `malformed response: ${err.message}`);
  }
  return new ScrapeError('connection', (err as Error).message);
}
