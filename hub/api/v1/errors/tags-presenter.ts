import type { TagBreakdown, TagCount } from '../../../../common/api/v1.js';
import { OTHER_TAG, sumTallies, TAG_VALUES_PER_GROUP, type TagEntry } from '../../../../common/merge/tags.js';
import type { LineageTallies } from '../../../state/group-tags.js';
import { iso } from '../present.js';

const NONE: TagBreakdown = Object.freeze({ items: [], other: null }) as TagBreakdown;

export type TagOrder = 'count' | 'newest';

/**
 * A group's breakdown over its lineages (counts summed, first seen min, last seen max), as v1 shows
 * it: at most TAG_VALUES_PER_GROUP values (lineages of several agents may hold different ones: the
 * largest counts stay, the rest join `other`), ordered by count (largest first) or by first seen
 * (newest first); ties by name.
 */
export function tagBreakdown(tallies: LineageTallies | undefined, order: TagOrder): TagBreakdown {
  if (tallies === undefined) return NONE;
  const sum = sumTallies(tallies.values());
  let other: TagEntry | undefined = sum.get(OTHER_TAG);
  sum.delete(OTHER_TAG);
  let values = [...sum];
  if (values.length > TAG_VALUES_PER_GROUP) {
    values.sort(([an, a], [bn, b]) => b.count - a.count || byName(an, bn));
    for (const [, e] of values.slice(TAG_VALUES_PER_GROUP)) other = other === undefined ? { ...e } : joined(other, e);
    values = values.slice(0, TAG_VALUES_PER_GROUP);
  }
  values.sort(order === 'count' ? ([an, a], [bn, b]) => b.count - a.count || byName(an, bn) : ([an, a], [bn, b]) => b.first - a.first || byName(an, bn));
  const items: TagCount[] = values.map(([name, e]) => ({ name, count: e.count, first_seen: iso(e.first), last_seen: iso(e.last) }));
  return { items, other: other === undefined ? null : { count: other.count, first_seen: iso(other.first), last_seen: iso(other.last) } };
}

/** The release with the earliest first seen over every lineage (null when none is known). */
export function firstRelease(tallies: LineageTallies | undefined): string | null {
  if (tallies === undefined) return null;
  let best: string | null = null;
  let bestAt = Infinity;
  for (const tally of tallies.values()) {
    for (const [name, e] of tally) {
      if (name === OTHER_TAG) continue;
      const at = e.first > 0 ? e.first : Number.MAX_SAFE_INTEGER;
      if (at < bestAt || (at === bestAt && best !== null && name < best)) {
        best = name;
        bestAt = at;
      }
    }
  }
  return best;
}

function joined(a: TagEntry, b: TagEntry): TagEntry {
  return { count: a.count + b.count, first: a.first === 0 ? b.first : b.first === 0 ? a.first : Math.min(a.first, b.first), last: Math.max(a.last, b.last) };
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
