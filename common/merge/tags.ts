/**
 * Per-group breakdowns by release and by environment (Sentry's `release` and `environment`,
 * OpenTelemetry's `service.version` and `deployment.environment[.name]`): for each value, the
 * cumulative count of occurrences that carried it, and when it was first and last seen. Pure
 * functions on plain maps, used by the agent (counting) and the hub (merging, per lineage).
 *
 * Bounds: a value is cut at TAG_VALUE_CHARS characters; at most TAG_VALUES_PER_GROUP distinct values
 * are kept per group and tag (per lineage at a hub); occurrences of further values are counted under
 * OTHER_TAG, so a client sending a new release name per event costs one entry, not one per event.
 */

/** One value's figures. `count` is cumulative; `first`/`last` in ms since the epoch (0 = unknown). */
export interface TagEntry {
  count: number;
  first: number;
  last: number;
}

/** Value -> figures, for one group and one tag (and, at a hub, one lineage). */
export type TagTally = Map<string, TagEntry>;

/** The tags a group is broken down by. */
export const TAG_NAMES = ['environment', 'release'] as const;
export type TagName = (typeof TAG_NAMES)[number];

/** Characters of a release or environment kept (Sentry's own limit for release names is 200). */
export const TAG_VALUE_CHARS = 200;
/** Distinct values kept per group and tag; the rest are counted under OTHER_TAG. */
export const TAG_VALUES_PER_GROUP = 20;
/** The bucket of values past TAG_VALUES_PER_GROUP. The empty string: no real value is empty (see tagValue). */
export const OTHER_TAG = '';

/**
 * A release or environment as read from a client: trimmed, cut at TAG_VALUE_CHARS, control
 * characters removed; undefined for anything else or empty (the occurrence has no such tag).
 * Example: tagValue(' 1.2.3 ') === '1.2.3'; tagValue('') === undefined; tagValue(7) === undefined.
 * The result is a fresh copy, so a cut of a 1 MB string does not keep the 1 MB alive.
 */
export function tagValue(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const cut = raw.slice(0, TAG_VALUE_CHARS * 2).replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, TAG_VALUE_CHARS);
  if (cut === '') return undefined;
  return (JSON.parse(JSON.stringify(cut)) as string);
}

/**
 * Counts `n` more occurrences of `value` seen at `at` (the agent's own counting): a new value past
 * `maxValues` distinct ones goes to OTHER_TAG.
 * Example: 20 releases held, a 21st comes: it is counted under OTHER_TAG.
 */
export function countTag(tally: TagTally, value: string, n: number, at: number, maxValues = TAG_VALUES_PER_GROUP): void {
  if (n <= 0) return;
  let name = value;
  if (!tally.has(name) && distinctValues(tally) >= maxValues) name = OTHER_TAG;
  const entry = tally.get(name);
  if (entry === undefined) tally.set(name, { count: n, first: at, last: at });
  else {
    entry.count += n;
    if (at > 0 && (entry.first === 0 || at < entry.first)) entry.first = at;
    if (at > entry.last) entry.last = at;
  }
}

/** Real values held (OTHER_TAG not included). */
export function distinctValues(tally: TagTally): number {
  return tally.size - (tally.has(OTHER_TAG) ? 1 : 0);
}

/**
 * Merges one incoming cumulative entry of a lineage (a hub): max of count and last, min of first
 * (ignoring 0). Idempotent, order-free. A new value past `maxValues` distinct ones is refused (a
 * source that does not bound its values cannot grow the hub's memory): returns 'refused'.
 * Example: held {v1: 3, first 10, last 20}, incoming (v1, 5, 12, 30) -> {v1: 5, first 10, last 30}.
 */
export function mergeTagEntry(tally: TagTally, value: string, count: number, first: number, last: number, maxValues = TAG_VALUES_PER_GROUP): 'changed' | 'same' | 'refused' {
  const held = tally.get(value);
  if (held === undefined) {
    if (value !== OTHER_TAG && distinctValues(tally) >= maxValues) return 'refused';
    tally.set(value, { count, first, last });
    return 'changed';
  }
  let changed = false;
  if (count > held.count) {
    held.count = count;
    changed = true;
  }
  if (first > 0 && (held.first === 0 || first < held.first)) {
    held.first = first;
    changed = true;
  }
  if (last > held.last) {
    held.last = last;
    changed = true;
  }
  return changed ? 'changed' : 'same';
}

/**
 * Adds up several tallies (a hub's lineages) into one: counts summed, first min, last max.
 * Example: {v1: 3} + {v1: 2, v2: 1} -> {v1: 5, v2: 1}.
 */
export function sumTallies(tallies: Iterable<TagTally>): TagTally {
  const out: TagTally = new Map();
  for (const tally of tallies) {
    for (const [value, e] of tally) {
      const held = out.get(value);
      if (held === undefined) out.set(value, { ...e });
      else {
        held.count += e.count;
        if (e.first > 0 && (held.first === 0 || e.first < held.first)) held.first = e.first;
        if (e.last > held.last) held.last = e.last;
      }
    }
  }
  return out;
}
