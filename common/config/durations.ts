import { z } from 'zod';
import { parseDuration } from '../time.js';

/** A Go-style duration in the config ("10s", "1m30s"), parsed to milliseconds. */
export const DurationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? undefined : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "10s" or "1m30s", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** A listen address "host:port"; port 0 picks a free port. */
export const ListenSchema = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'expected "host:port", e.g. "127.0.0.1:7777"');

/** Splits "host:port" (IPv6 in brackets) into its parts. */
export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  let host = listen.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port: Number(listen.slice(i + 1)) };
}
