import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { isUndiciTimeout, loadUndici } from '../../common/http/undici.js';
import { BodyError, decodeContentEncoding } from '../http/request-body.js';
import { type BodyBuffer, BodyBuffers } from './body-buffers.js';
import type { PlainConnection } from './plain-connection.js';
import { FIELD_NAME, ResponseReader } from './response-reader.js';
import { ScrapeError } from './scrape-error.js';

/** A body as received (possibly compressed), with the hash that tells whether it changed. */
export interface FetchedBody {
  readonly body: Buffer;
  readonly encoding: string | undefined;
  /** sha1 of the received bytes: an unchanged body costs this hash, not a parse. */
  readonly hash: string;
  readonly bytes: number;
  /** As sent by the target; used to name the problem when the body is not JSON (e.g. an HTML error page). */
  readonly contentType?: string | undefined;
  /** Gives the body's buffer back to the pool it came from; `body` must not be used afterwards. */
  release(): void;
}

export interface FetchOptions {
  /** The undici dispatcher (connection pool, TLS settings) of an https target. */
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** TLS server name to send and check (`tls_config.server_name`). */
  readonly servername?: string;
  /**
   * Where the body is read into: a buffer taken from these when its first bytes arrive (the caller's,
   * reused from scrape to scrape); `body` is then a view of it, valid until `release()`. Without
   * them, a buffer of its own.
   */
  readonly buffers?: BodyBuffers;
  /**
   * For a plain-http target: the target's own connection, read without a buffer per socket read
   * (plain-connection.ts); `dispatcher` and `servername` are then not used.
   */
  readonly connection?: PlainConnection;
}

/** Status line, headers and trailers of a scrape answer together (Node's default cap). */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * GETs a target's error payload with a hard deadline and a byte cap applied while reading (a 100 MB
 * or endless body is cut at `maxBytes`). Redirects are not followed (a target must not send the
 * agent, with its credentials, somewhere else). Throws ScrapeError.
 */
export async function fetchBody(url: string, options: FetchOptions): Promise<FetchedBody> {
  if (options.connection !== undefined) return fetchPlain(new URL(url), options.connection, options);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    const { request } = await loadUndici();
    response = await request(url, {
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      signal,
      headers: { accept: 'application/json', 'accept-encoding': 'gzip, deflate', ...options.headers },
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    });
  } catch (err) {
    throw toScrapeError(err, options.timeoutMs);
  }
  const { statusCode, headers, body } = response;
  // Destroying the body below emits 'error'; without a listener that would crash the process.
  body.on('error', () => undefined);
  const refused = refusal(statusCode, headers.location === undefined ? undefined : String(headers.location));
  if (refused !== undefined) {
    body.destroy();
    throw refused;
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    body.destroy();
    throw new ScrapeError('body_too_large', `body of ${declared} bytes exceeds the limit of ${options.maxBytes}`);
  }
  const received = new ReceivedBody(options.buffers, Number.isFinite(declared) ? declared : 0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (received.bytes + chunk.length > options.maxBytes) {
        body.destroy();
        throw new ScrapeError('body_too_large', `body exceeds the limit of ${options.maxBytes} bytes`);
      }
      received.append(chunk);
    }
  } catch (err) {
    received.release();
    if (err instanceof ScrapeError) throw err;
    throw toScrapeError(err, options.timeoutMs);
  }
  const encoding = headers['content-encoding'];
  const type = headers['content-type'];
  return received.finish(typeof type === 'string' ? type : undefined, typeof encoding === 'string' ? encoding : undefined);
}

/** fetchBody over a target's PlainConnection: the same answers and the same ScrapeErrors. */
async function fetchPlain(url: URL, connection: PlainConnection, options: FetchOptions): Promise<FetchedBody> {
  const request = requestHead(url, options.headers ?? {});
  let received: ReceivedBody | undefined;
  let refused: ScrapeError | undefined;
  let reader: ResponseReader;
  try {
    reader = await connection.exchange(
      request,
      () => {
        // A retried request starts over.
        received?.release();
        received = undefined;
        return new ResponseReader({
          maxHeaderBytes: MAX_HEADER_BYTES,
          maxBodyBytes: options.maxBytes,
          onHead: (head) => {
            refused = refusal(head.status, head.headers.get('location'));
            const declared = Number(head.headers.get('content-length'));
            received = new ReceivedBody(options.buffers, Number.isFinite(declared) ? declared : 0);
            return refused === undefined;
          },
          onBody: (bytes) => (received as ReceivedBody).append(bytes),
        });
      },
      options.timeoutMs,
    );
  } catch (err) {
    received?.release();
    throw err;
  }
  if (refused !== undefined || received === undefined) {
    received?.release();
    throw refused ?? new ScrapeError('connection', 'no response');
  }
  const headers = reader.head?.headers;
  return received.finish(headers?.get('content-type'), headers?.get('content-encoding'));
}

/**
 * A body as it arrives: hashed, and copied into a buffer taken from the pool at its first byte (sized
 * by the declared length when there is one). Without a pool, the buffer is its own.
 */
class ReceivedBody {
  readonly #hash = createHash('sha1');
  #buffer: BodyBuffer | undefined;
  bytes = 0;

  constructor(
    private readonly buffers: BodyBuffers | undefined,
    private readonly declared: number,
  ) {}

  append(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#buffer ??= (this.buffers ?? new BodyBuffers(0)).take(this.declared);
    this.#buffer.append(chunk);
    this.bytes += chunk.length;
  }

  release(): void {
    if (this.#buffer !== undefined) this.buffers?.give(this.#buffer);
    this.#buffer = undefined;
  }

  finish(contentType: string | undefined, encoding: string | undefined): FetchedBody {
    const bytes = this.#buffer?.bytes ?? EMPTY;
    return {
      contentType,
      body: bytes,
      encoding: encoding?.toLowerCase(),
      hash: this.#hash.digest('base64'),
      bytes: this.bytes,
      release: () => this.release(),
    };
  }
}

const EMPTY = Buffer.alloc(0);

/** The GET sent to a plain-http target. Header names and values from the config must not break the request. */
function requestHead(url: URL, headers: Readonly<Record<string, string>>): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\naccept: application/json\r\naccept-encoding: gzip, deflate\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name) || /[\r\n\0]/.test(value)) {
      throw new ScrapeError('client_config', `the header ${JSON.stringify(name.slice(0, 40))} has characters a request header cannot carry`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** Why an answer's status is not a payload (undefined: 200). */
function refusal(status: number, location: string | undefined): ScrapeError | undefined {
  if (status === 200) return undefined;
  if (status >= 300 && status < 400) return new ScrapeError('redirect', `HTTP ${status} (redirect to ${(location ?? '?').slice(0, 200)} not followed)`);
  return new ScrapeError('http_status', `HTTP ${status}`);
}

/**
 * Undoes Content-Encoding with the same byte cap on the output (a gzip bomb stops at maxBytes), as the
 * agent's ingestion routes do (request-body.ts); failures become ScrapeErrors.
 */
export async function decodeBody(fetched: FetchedBody, maxBytes: number): Promise<Buffer> {
  try {
    return await decodeContentEncoding(fetched.body, fetched.encoding, maxBytes);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    throw new ScrapeError(err.reason === 'decompressed_too_large' ? 'body_too_large' : 'decompress', err.message);
  }
}

function toScrapeError(err: unknown, timeoutMs: number): ScrapeError {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || isUndiciTimeout(e)) {
    return new ScrapeError('timeout', `no complete answer within ${timeoutMs} ms`);
  }
  const code = e.code ?? e.cause?.code;
  const message = code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  // Certificate and handshake failures: a configuration problem (CA, server_name), not a dead target.
  if (code !== undefined && /CERT|SSL|TLS|EPROTO|ALTNAME|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/.test(code)) return new ScrapeError('tls', message);
  return new ScrapeError('connection', message);
}
