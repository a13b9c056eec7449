/**
 * undici, loaded the first time a request needs it: plain-http scrapes use the agent's own reader
 * (agent/scrape/plain-connection.ts), so only https targets, discovery, imports and the hub's
 * notifications need it, and a process that uses none of them never loads it (about 8 MiB of RSS).
 */
import type * as UndiciModule from 'undici';

type Undici = typeof UndiciModule;

let loading: Promise<Undici> | undefined;

export function loadUndici(): Promise<Undici> {
  loading ??= import('undici');
  return loading;
}

/** undici's timeouts, told apart by their stable codes (no need to load undici to check). */
export function isUndiciTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
