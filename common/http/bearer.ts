import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when `given` equals one of `tokens`, in constant time (both sides hashed first). */
function anyTokenMatches(given: string, tokens: readonly string[]): boolean {
  const hashed = digest(given);
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(hashed, digest(token)) || ok;
  return ok;
}

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time (both sides
 * are hashed first, so neither length nor content leaks through timing).
 */
export function bearerMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  return anyTokenMatches(header.slice('Bearer '.length).trim(), tokens);
}

/**
 * The password of `Authorization: Basic base64(user:password)`, or undefined for another scheme or a
 * malformed value. What HTTP clients send for credentials in a URL (`http://user:token@host/`).
 */
export function basicPassword(header: string | undefined): string | undefined {
  if (header === undefined || !/^basic /i.test(header) || header.length > 8192) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Bearer, or Basic whose password is the token (for clients that can only put credentials in a URL,
 * such as Periskop clients' `push_to_gateway("http://push:TOKEN@agent:7778")`). Constant time.
 */
export function bearerOrBasicMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (bearerMatches(header, tokens)) return true;
  const password = basicPassword(header);
  return password !== undefined && password !== '' && anyTokenMatches(password, tokens);
}
