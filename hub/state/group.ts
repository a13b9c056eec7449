import type { LineageCounts } from './lineage-counts.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { Severity } from '../../common/severity.js';
import type { SeriesData } from './series.js';
import type { LineageTallies } from './group-tags.js';

/** A resolve (DESIGN section 3, rule 6): hidden until the total passes `total` or a newer occurrence. */
export interface Resolution {
  /** ms since epoch. */
  readonly at: number;
  readonly total: number;
}

/** Class and message of a group's newest sample ever seen: kept when its samples are evicted. */
export interface Headline {
  readonly class: string;
  /** Cut at HEADLINE_MESSAGE_CHARS. */
  readonly message: string;
}

export const HEADLINE_MESSAGE_CHARS = 1024;

/**
 * One error group at the hub: per-lineage cumulative counts (their sum is `total`), newest samples,
 * resolution state, time series. Owned by HubState; lives forever (counts are never evicted; samples
 * may be, by the sample budget).
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
  headline: Headline | null;
  /** The sample budget took this group's samples (counts are kept); cleared when new ones arrive. */
  samplesEvicted: boolean;
  /** Growth over time (series.ts); null while idle. */
  series: SeriesData | null;
  /** Lowercase search text (search-text.ts); null until built after the last sample change. */
  searchText: string | null;
  /**
   * Occurrences by environment and by release, per lineage (group-tags.ts); undefined while none had
   * one (Periskop clients). Optional for builders in tests; the hub's own constructors always set both
   * (undefined), so every group has one object shape and the list loops stay monomorphic.
   */
  environments?: LineageTallies | undefined;
  releases?: LineageTallies | undefined;
  /** The environments and releases as one string, for the list filters (group-tags.ts); undefined until built. */
  tagIndex?: string | undefined;
}

export type GroupStatus = 'unresolved' | 'resolved' | 'regressed';

/** A group's status: resolved (hidden), regressed (came back after a resolve) or unresolved. */
export function statusOf(group: HubGroup): GroupStatus {
  if (group.resolution !== null) return 'resolved';
  return group.regressedAt > 0 ? 'regressed' : 'unresolved';
}
