import type { Occurrence } from '../occurrence.js';

/**
 * Sample order: newest first by timestamp, ties broken by uuid (ascending) so every node agrees.
 * Example: [{ts 1, 'b'}, {ts 2, 'a'}, {ts 1, 'a'}] sorts to ts2/a, ts1/a, ts1/b.
 */
export function compareSamples(a: Occurrence, b: Occurrence): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

/**
 * Union of two sample lists, de-duplicated by uuid, newest first, at most `cap` long.
 * `held` must already be in order (it always is: it was produced by this function).
 * Returns `held` itself when nothing changed, so callers can detect "no new samples" by identity.
 *
 * Example: held [u3@30, u1@10], incoming [u2@20, u3@30], cap 2 -> [u3@30, u2@20].
 */
export function mergeSamples(held: readonly Occurrence[], incoming: readonly Occurrence[], cap: number): readonly Occurrence[] {
  if (incoming.length === 0) return held;
  let merged: Occurrence[] | undefined;
  const oldest = held.length >= cap ? held[held.length - 1] : undefined;
  for (const sample of incoming) {
    // A full list only takes samples newer than its oldest one.
    if (oldest !== undefined && compareSamples(sample, oldest) >= 0) continue;
    // Lists are short (the caps are tens): a scan costs less than building a set of uuids.
    if (hasUuid(merged ?? held, sample.uuid)) continue;
    merged ??= held.slice();
    merged.push(sample);
  }
  if (merged === undefined) return held;
  merged.sort(compareSamples);
  if (merged.length > cap) merged.length = cap;
  return merged;
}

function hasUuid(list: readonly Occurrence[], uuid: string): boolean {
  for (const s of list) if (s.uuid === uuid) return true;
  return false;
}
