import type { ScrapeFailure } from './scrape-error.js';

/**
 * The health of one scrape target (Prometheus' `up`, last error, duration, bytes). Owned by the
 * target's scrape loop; shipped to hubs when it changes, shown at the agent's /targets.
 */
export interface TargetHealth {
  readonly service: string;
  readonly url: string;
  up: boolean;
  /** Empty when the last scrape succeeded. */
  lastError: string;
  lastFailure: ScrapeFailure | undefined;
  /** ms since epoch of the last attempt, 0 before the first. */
  lastScrape: number;
  durationMs: number;
  bytes: number;
  /** Bodies identical to the previous one (not parsed again). */
  unchanged: number;
  /** Items dropped from payloads since the target appeared, by reason. */
  readonly dropped: Record<string, number>;
}

export function newHealth(service: string, url: string): TargetHealth {
  return { service, url, up: false, lastError: '', lastFailure: undefined, lastScrape: 0, durationMs: 0, bytes: 0, unchanged: 0, dropped: {} };
}
