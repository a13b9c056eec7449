import type { LineageCounts } from '../../common/merge/lineage-counts.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { Severity } from '../../common/severity.js';

/** A resolve (DESIGN section 3, rule 6): hidden until the total passes `total` or a newer occurrence. */
export interface Resolution {
  /** ms since epoch. */
  readonly at: number;
  readonly total: number;
}

/**
 * One error group at the hub: per-lineage cumulative counts (their sum is `total`), newest samples,
 * resolution state. Owned by HubState; lives forever (counts are never evicted; samples may be).
 */
export interface HubGroup {
  readonly service: string;
  readonly key: string;
  severity: Severity;
  createdAt: number;
  lastSeen: number;
  readonly counts: LineageCounts;
  total: number;
  samples: readonly Occurrence[];
  resolution: Resolution | null;
  /** When the group came back after a resolve (0: not regressed). */
  regressedAt: number;
  /** Hub time of the last change (ms), for live updates and sample eviction order. */
  updatedAt: number;
}

export type GroupStatus = 'unresolved' | 'resolved' | 'regressed';

/** A group's status: resolved (hidden), regressed (came back after a resolve) or unresolved. */
export function statusOf(group: HubGroup): GroupStatus {
  if (group.resolution !== null) return 'resolved';
  return group.regressedAt > 0 ? 'regressed' : 'unresolved';
}
