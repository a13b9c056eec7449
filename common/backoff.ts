/**
 * Exponential backoff with full jitter: the wait before retry n is uniform in
 * [0, min(cap, base * 2^n)]. Example: base 500 ms, cap 30 s, attempt 3: uniform in [0, 4 s].
 * `random` is injectable so tests are deterministic.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
