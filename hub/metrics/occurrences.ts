import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import { formatLabels } from './prom-text.js';
import { kthLargest, selectTop } from './top-k.js';

export interface OccurrencesOptions {
  /** At most this many periskop_error_occurrences series; the most recently seen groups win. */
  readonly maxSeries: number;
  /** One series per source (agent or child hub) instead of one per group. */
  readonly sourceLabel: boolean;
  /** With more groups than maxSeries, which ones are exposed is chosen again at most this often (default 15 s). */
  readonly reselectMs?: number;
  readonly now?: () => number;
}

export interface OccurrencesText {
  readonly text: string;
  readonly series: number;
  /** Groups that got no series. */
  readonly dropped: number;
}

const HEADER = '# HELP periskop_error_occurrences Number of occurrences per service, error type and severity, fleet-wide.\n# TYPE periskop_error_occurrences counter\n';

/** Most recently seen first; ties by service and key, so the choice is stable. */
const byRecency = (a: HubGroup, b: HubGroup): number =>
  b.lastSeen - a.lastSeen || (a.service < b.service ? -1 : a.service > b.service ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The `k` most recently seen groups, most recent first (ties by service and key). Two passes over
 * the groups: their last_seen into a typed array, whose k-th largest value is found by quickselect,
 * then the groups above it and the ties needed; so a /metrics scrape at a million groups does not
 * compare a million objects.
 */
export function mostRecentlySeen(state: HubState, k: number): HubGroup[] {
  const seen = new Float64Array(state.stats().groups);
  let n = 0;
  for (const groups of state.services.values()) for (const g of groups.values()) if (n < seen.length) seen[n++] = g.lastSeen;
  const held = seen.subarray(0, n);
  if (k <= 0 || n === 0) return [];
  const threshold = kthLargest(held, k);
  const above: HubGroup[] = [];
  const ties: HubGroup[] = [];
  for (const groups of state.services.values()) {
    for (const g of groups.values()) {
      if (g.lastSeen > threshold) above.push(g);
      else if (g.lastSeen === threshold) ties.push(g);
    }
  }
  above.sort(byRecency);
  if (above.length >= k) return above.slice(0, k);
  if (ties.length > k - above.length) selectTop(ties, k - above.length, byRecency);
  ties.length = Math.min(ties.length, k - above.length);
  ties.sort(byRecency);
  return above.concat(ties);
}

/**
 * `periskop_error_occurrences{service_name,severity,aggregation_key}`: the fleet-wide count of every
 * group, as a counter (no per-target label, so cardinality is bounded by groups, and by maxSeries).
 * With more groups than `maxSeries`, only the most recently seen are exposed (chosen in O(n), at most
 * once per `reselectMs`, so the set is stable between scrapes); `crowsnest_hub_metrics_series_dropped`
 * says how many were left out. Label text is cached per group; an unchanged state re-serves the last
 * text. Owned by HubMetrics; lives as long as the hub.
 */
export class OccurrenceExposition {
  private selection: HubGroup[] | null = null;
  private selectedAt = -Infinity;
  private selectedVersion = -1;
  private last: (OccurrencesText & { version: number }) | undefined;
  private readonly labels = new WeakMap<HubGroup, { severity: string; text: string }>();
  private readonly now: () => number;

  constructor(
    private readonly state: HubState,
    private readonly options: OccurrencesOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  render(): OccurrencesText {
    const { state, options } = this;
    // Nothing changed since the last rendering, and its selection (if any) was made for this state.
    if (this.last !== undefined && this.last.version === state.version && (this.selection === null || this.selectedVersion === state.version)) return this.last;
    const total = state.stats().groups;
    const lines: string[] = [HEADER];
    let series = 0;
    let exposed = 0;
    const emit = (g: HubGroup): boolean => {
      if (series >= options.maxSeries) return false;
      if (!options.sourceLabel) {
        lines.push(`periskop_error_occurrences${this.labelsOf(g)} ${g.total}\n`);
        series++;
      } else {
        const bySource = this.bySource(g);
        if (series + bySource.size > options.maxSeries) return false;
        for (const [source, n] of bySource) {
          lines.push(`periskop_error_occurrences${formatLabels([['service_name', g.service], ['severity', g.severity], ['aggregation_key', g.key], ['source', source]])} ${n}\n`);
        }
        series += bySource.size;
      }
      exposed++;
      return true;
    };
    if (total <= options.maxSeries && !options.sourceLabel) {
      this.selection = null;
      for (const groups of state.services.values()) for (const g of groups.values()) emit(g);
    } else {
      for (const g of this.selected()) if (!emit(g)) break;
    }
    const out = { text: lines.join(''), series, dropped: total - exposed, version: state.version };
    this.last = out;
    return out;
  }

  /** The groups to expose, most recently seen first; chosen again when stale. */
  private selected(): HubGroup[] {
    const { state } = this;
    const now = this.now();
    if (this.selection !== null && (state.version === this.selectedVersion || now - this.selectedAt < (this.options.reselectMs ?? 15_000))) {
      return this.selection;
    }
    const all = mostRecentlySeen(state, this.options.maxSeries);
    this.selection = all;
    this.selectedAt = now;
    this.selectedVersion = state.version;
    return all;
  }

  private labelsOf(g: HubGroup): string {
    const held = this.labels.get(g);
    if (held !== undefined && held.severity === g.severity) return held.text;
    const text = formatLabels([['service_name', g.service], ['severity', g.severity], ['aggregation_key', g.key]]);
    this.labels.set(g, { severity: g.severity, text });
    return text;
  }

  private bySource(g: HubGroup): Map<string, number> {
    const bySource = new Map<string, number>();
    for (const [id, n] of g.counts) {
      const lineage = this.state.lineages.get(id);
      // The source that delivered it to this hub: the child hub it came through, else the agent.
      const source = lineage === undefined ? 'unknown' : (lineage.via[lineage.via.length - 1] ?? lineage.name);
      bySource.set(source, (bySource.get(source) ?? 0) + n);
    }
    return bySource;
  }
}

/** One rendering without caches (tests, benchmarks). */
export function renderOccurrences(state: HubState, options: OccurrencesOptions): { text: string; dropped: number } {
  const { text, dropped } = new OccurrenceExposition(state, options).render();
  return { text, dropped };
}
