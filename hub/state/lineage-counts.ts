/**
 * A per-lineage G-Counter (DESIGN section 4). A lineage is one agent epoch counting from zero; every
 * group holds the cumulative count of each lineage it has heard of, and its total is their sum.
 * Merging takes the per-lineage maximum, so replays, reorders and re-syncs change nothing.
 *
 * Stored as a plain Map from the holder's lineage id (a small integer) to the count.
 */
export type LineageCounts = Map<number, number>;

/**
 * Merges one incoming cumulative value for one lineage; returns how much the group's total grew
 * (0 when the incoming value is not larger: a replay, or a source lying about going down).
 * Example: held {7: 10}, incoming (7, 12) -> held {7: 12}, returns 2; incoming (7, 9) -> returns 0.
 */
export function mergeLineageCount(held: LineageCounts, lineage: number, incoming: number): number {
  const current = held.get(lineage) ?? 0;
  if (incoming <= current) return 0;
  held.set(lineage, incoming);
  return incoming - current;
}

/** The sum over lineages: the group's total_count. */
export function totalOf(counts: LineageCounts): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}
