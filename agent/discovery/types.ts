/**
 * What discovery hands to the scrape stage (Prometheus' target groups). Discovery knows nothing of
 * scraping; the manager turns label sets into scrape targets and hands them to the agent's wiring.
 */

/** A label set as Prometheus discovery produces it: `__address__` plus `__meta_*` labels. */
export type LabelSet = Record<string, string>;

/** One discovery source's current view: replaces whatever that source said before. */
export interface TargetGroup {
  /** Stable id of the source within its service, e.g. "dns/0/example.com". */
  readonly source: string;
  readonly targets: readonly LabelSet[];
}

/**
 * One discovery mechanism instance (one entry of `static_configs`, `dns_sd_configs`, ...).
 * `run` calls `update` with the full current groups whenever they change, and keeps its last good
 * groups when a refresh fails (it reports the failure through `onError` instead).
 * Owned by the discovery manager; lives until `stop()`.
 */
export interface Discoverer {
  run(update: (groups: readonly TargetGroup[]) => void, onError: (err: Error) => void): void;
  stop(): void;
}

/** A target ready to scrape: the URL and the labels left after relabeling. */
export interface ScrapeTarget {
  readonly service: string;
  /** Full URL, e.g. "http://10.0.0.1:8080/errors"; also the target's identity. */
  readonly url: string;
  readonly labels: LabelSet;
}
