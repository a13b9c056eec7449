import type { LabelSet } from '../discovery/types.js';
import type { ScrapeFailure } from './scrape-error.js';

/**
 * The health of one scrape target (Prometheus' `up`, last error, duration, bytes), with counts of what
 * went wrong since the target appeared. Owned by the target's scrape loop; shipped to hubs when up/down
 * or the error changes, shown at the agent's /targets; dropped with the loop when the target leaves
 * discovery.
 */
export interface TargetHealth {
  readonly service: string;
  readonly url: string;
  /** The target's labels after relabeling (no `__` labels). */
  readonly labels: LabelSet;
  up: boolean;
  /** Empty when the last scrape succeeded. */
  lastError: string;
  lastFailure: ScrapeFailure | undefined;
  /** ms since epoch of the last attempt, 0 before the first. */
  lastScrape: number;
  durationMs: number;
  bytes: number;
  /** Scrapes attempted. */
  scrapes: number;
  /** Bodies identical to the previous one (not parsed again). */
  unchanged: number;
  /** Failed scrapes by reason. */
  readonly failures: Partial<Record<ScrapeFailure, number>>;
  /** Items dropped from payloads since the target appeared, by reason. */
  readonly dropped: Record<string, number>;
  /** Items kept with a part cut (or a body read with invalid UTF-8 replaced), by reason. */
  readonly truncated: Record<string, number>;
}

export function newHealth(service: string, url: string, labels: LabelSet = {}): TargetHealth {
  return {
    service, url, labels, up: false, lastError: '', lastFailure: undefined, lastScrape: 0, durationMs: 0, bytes: 0,
    scrapes: 0, unchanged: 0, failures: {}, dropped: {}, truncated: {},
  };
}

/** Adds `counts` into `into` (both reason -> n). */
export function addCounts(into: Record<string, number>, counts: Readonly<Record<string, number | undefined>> | undefined): void {
  for (const [reason, n] of Object.entries(counts ?? {})) if (n !== undefined && n > 0) into[reason] = (into[reason] ?? 0) + n;
}
