import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time (both sides
 * are hashed first, so neither length nor content leaks through timing).
 */
export function bearerMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = digest(header.slice('Bearer '.length).trim());
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(given, digest(token)) || ok;
  return ok;
}
