import type { Agent } from 'undici';
import { isUndiciTimeout, loadUndici } from '../../common/http/undici.js';
import { VERSION } from '../../common/version.js';

/** The outcome of one delivery attempt: delivered, worth retrying (with a server's Retry-After), or not. */
export type SendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly error: string; readonly retryAfterMs?: number };

/** One POST of a JSON body. Injected into the notifier (tests may pass their own). */
export type SendFn = (url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number, signal: AbortSignal) => Promise<SendResult>;

/** Statuses worth retrying: the receiver may succeed later. Other 3xx/4xx mean the request itself is wrong. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Seconds or an HTTP date, as ms from now (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Sends notifications with undici: a dedicated connection pool (closed by `close`), a deadline per
 * attempt covering connect, headers and body, redirects not followed, answers read and discarded.
 * undici and the pool load with the first notification sent. Owned by the notifier; lives as long as it.
 */
export class HttpSender {
  private dispatcher: Agent | undefined;
  private closed = false;

  readonly send: SendFn = async (url, body, headers, timeoutMs, signal) => {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const { Agent, request } = await loadUndici();
      if (this.closed) return { ok: false, retry: true, error: 'aborted: the hub is stopping' };
      this.dispatcher ??= new Agent({ connections: 4, keepAliveTimeout: 10_000 });
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal: deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'user-agent': `crowsnest/${VERSION}`, ...headers },
        body,
      });
      res.body.on('error', () => undefined);
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true };
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
      return { ok: false, retry: retryableStatus(res.statusCode), error: `HTTP ${res.statusCode}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError' || isUndiciTimeout(e)) {
        return { ok: false, retry: true, error: `no answer within ${timeoutMs} ms` };
      }
      if (e.name === 'AbortError') return { ok: false, retry: true, error: 'aborted: the hub is stopping' };
      const code = e.code ?? e.cause?.code;
      return { ok: false, retry: true, error: code ? `${code}: ${e.message}` : e.message };
    }
  };

  async close(): Promise<void> {
    this.closed = true;
    await this.dispatcher?.close().catch(() => undefined);
  }
}
