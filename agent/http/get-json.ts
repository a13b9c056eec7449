import { loadUndici } from '../../common/http/undici.js';
import type { PreparedRequest } from './client.js';

export interface GetJsonOptions {
  readonly timeoutMs: number;
  /** The body is cut off (and the request fails) past this many bytes. */
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Accepted content types; anything else fails with a message naming the one received. */
  readonly contentType?: RegExp;
}

/** A GET that did not give a usable JSON body; `status` is the HTTP status when there was one. */
export class GetJsonError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/**
 * GETs `url` and parses its JSON body, for discovery (http_sd, Kubernetes lists): status 200
 * required, redirects not followed, a deadline on the whole exchange, the body capped while read.
 * Throws GetJsonError with a message an operator can act on.
 */
export async function getJson(url: string, client: PreparedRequest, options: GetJsonOptions): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response;
  try {
    const { request } = await loadUndici();
    response = await request(url, {
      dispatcher: client.dispatcher,
      signal,
      headers: { accept: 'application/json', ...client.headers, ...options.headers },
      ...(client.servername === undefined ? {} : { servername: client.servername }),
    });
  } catch (err) {
    throw new GetJsonError(`GET ${url} failed: ${describe(err, options.timeoutMs)}`);
  }
  const { statusCode, headers, body } = response;
  body.on('error', () => undefined);
  if (statusCode !== 200) {
    const text = await readCapped(body, 512).catch(() => '');
    body.destroy();
    throw new GetJsonError(`GET ${url}: HTTP ${statusCode}${text === '' ? '' : `: ${text.slice(0, 200)}`}`, statusCode);
  }
  const type = String(headers['content-type'] ?? '');
  if (options.contentType !== undefined && !options.contentType.test(type)) {
    body.destroy();
    throw new GetJsonError(`GET ${url}: unsupported content type ${JSON.stringify(type)}`);
  }
  let text: string;
  try {
    text = await readCapped(body, options.maxBytes);
  } catch (err) {
    body.destroy();
    throw new GetJsonError(`GET ${url}: ${err instanceof GetJsonError ? err.message : describe(err, options.timeoutMs)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GetJsonError(`GET ${url}: the body is not JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

async function readCapped(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw new GetJsonError(`the body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}

/** "timed out after 5000 ms", "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1", ... */
export function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message;
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
