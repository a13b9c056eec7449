/**
 * The cumulative counter state of one origin (a scraped target instance, a pushing client, the
 * Sentry ingestion) within one service. Dropped when the origin leaves discovery, is replaced by a
 * new instance at the same URL, or stays silent for `origin_ttl`; its contribution stays in the
 * groups' counts and its last counts in a bounded tombstone (origin-tombstones.ts), so memory is
 * constant as instances churn and one that comes back is not counted twice.
 */
export interface OriginState {
  readonly id: string;
  /** Last total_count seen per aggregation key. */
  readonly last: Map<string, number>;
  /** When this origin was last observed (ms). */
  lastObservedAt: number;
  /**
   * Totals held back at the first observation while the agent does not yet know whether it is a
   * first start or a stateless restart (see StartMode). Undefined once decided.
   */
  baseline: Map<string, number> | undefined;
}

/** A new origin; `last` holds the counts it resumes from (its tombstone), or none. */
export function newOrigin(id: string, now: number, last: Map<string, number> = new Map()): OriginState {
  return { id, last, lastObservedAt: now, baseline: undefined };
}
