/**
 * Where a Sentry SDK puts its DSN public key: `X-Sentry-Auth: Sentry sentry_key=<key>, ...` (or the
 * same in `Authorization`, as old SDKs did), the `sentry_key` query parameter (browser SDKs), or the
 * envelope header's `dsn` (`https://<key>@host/<project>`). Pure functions.
 */

/**
 * Reads `sentry_key` from an auth header value.
 * Example: keyFromAuthHeader('Sentry sentry_version=7, sentry_key=abc') === 'abc'.
 */
export function keyFromAuthHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^sentry\s/i.test(text)) return undefined;
  for (const part of text.slice(6).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === 'sentry_key') {
      const key = part.slice(eq + 1).trim();
      return key === '' ? undefined : key;
    }
  }
  return undefined;
}

/** The public key of a DSN (its user part), or undefined when the DSN is not a URL with one. */
export function keyFromDsn(dsn: string | null | undefined): string | undefined {
  if (dsn === null || dsn === undefined || dsn.length > 2048) return undefined;
  try {
    const url = new URL(dsn);
    return url.username === '' ? undefined : decodeURIComponent(url.username);
  } catch {
    return undefined;
  }
}

/** The key of a request, from the header first, then the query; undefined when neither has one. */
export function keyFromRequest(headers: { 'x-sentry-auth'?: string | string[]; authorization?: string }, query: unknown): string | undefined {
  const auth = headers['x-sentry-auth'];
  const fromHeader = keyFromAuthHeader(Array.isArray(auth) ? auth[0] : auth) ?? keyFromAuthHeader(headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  const q = (query as Record<string, unknown> | undefined)?.['sentry_key'];
  const fromQuery = Array.isArray(q) ? q[0] : q;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}
