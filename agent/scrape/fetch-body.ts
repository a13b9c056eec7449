import { createHash } from 'node:crypto';
import { type Dispatcher, errors, request } from 'undici';
import { BodyError, decodeContentEncoding } from '../ingest/request-body.js';
import type { BodyBuffer } from './body-buffers.js';
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
}

export interface FetchOptions {
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** TLS server name to send and check (`tls_config.server_name`). */
  readonly servername?: string;
  /**
   * Read the body into this buffer (the caller's, reused from scrape to scrape) instead of keeping
   * undici's chunks and joining them; `body` is then a view of it, valid until the caller reuses it.
   */
  readonly into?: BodyBuffer;
}

/**
 * GETs a target's error payload with a hard deadline and a byte cap applied while reading (a 100 MB
 * or endless body is cut at `maxBytes`). Redirects are not followed (a target must not send the
 * agent, with its credentials, somewhere else). Throws ScrapeError.
 */
export async function fetchBody(url: string, options: FetchOptions): Promise<FetchedBody> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher: options.dispatcher,
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
  if (statusCode !== 200) {
    body.destroy();
    if (statusCode >= 300 && statusCode < 400) {
      throw new ScrapeError('redirect', `HTTP ${statusCode} (redirect to ${String(headers.location ?? '?').slice(0, 200)} not followed)`);
    }
    throw new ScrapeError('http_status', `HTTP ${statusCode}`);
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    body.destroy();
    throw new ScrapeError('body_too_large', `body of ${declared} bytes exceeds the limit of ${options.maxBytes}`);
  }
  const hash = createHash('sha1');
  const into = options.into;
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        body.destroy();
        throw new ScrapeError('body_too_large', `body exceeds the limit of ${options.maxBytes} bytes`);
      }
      hash.update(chunk);
      if (into !== undefined) into.append(chunk);
      else chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ScrapeError) throw err;
    throw toScrapeError(err, options.timeoutMs);
  }
  const encoding = headers['content-encoding'];
  const type = headers['content-type'];
  // Joined on first use: an unchanged body (the common case) is only hashed, never copied.
  let joined: Buffer | undefined;
  return {
    contentType: typeof type === 'string' ? type : undefined,
    get body(): Buffer {
      joined ??= into !== undefined ? into.bytes : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes);
      return joined;
    },
    encoding: typeof encoding === 'string' ? encoding.toLowerCase() : undefined,
    hash: hash.digest('base64'),
    bytes,
  };
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
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError) {
    return new ScrapeError('timeout', `no complete answer within ${timeoutMs} ms`);
  }
  const code = e.code ?? e.cause?.code;
  const message = code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  // Certificate and handshake failures: a configuration problem (CA, server_name), not a dead target.
  if (code !== undefined && /CERT|SSL|TLS|EPROTO|ALTNAME|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/.test(code)) return new ScrapeError('tls', message);
  return new ScrapeError('connection', message);
}
