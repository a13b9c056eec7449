import type { HubState } from '../state/hub-state.js';
import type { HubGroup } from '../state/group.js';
import { formatLabels } from './prom-text.js';

export interface OccurrencesOptions {
  /** At most this many groups get a series; the most recently seen win. */
  readonly maxSeries: number;
  /** One series per source (agent or child hub) instead of one per group. */
  readonly sourceLabel: boolean;
}

/**
 * `periskop_error_occurrences{service_name,severity,aggregation_key}`: the fleet-wide count of every
 * group, as a counter (no per-target label, so cardinality is bounded by groups). With more groups
 * than `maxSeries`, only the most recently seen ones are exposed; `crowsnest_hub_metrics_series_dropped`
 * says how many were left out.
 */
export function renderOccurrences(state: HubState, options: OccurrencesOptions): { text: string; dropped: number } {
  let groups: HubGroup[] = [];
  for (const service of state.services.values()) for (const g of service.values()) groups.push(g);
  const dropped = Math.max(0, groups.length - options.maxSeries);
  if (dropped > 0) {
    groups.sort((a, b) => b.lastSeen - a.lastSeen);
    groups = groups.slice(0, options.maxSeries);
  }
  const lines: string[] = [
    '# HELP periskop_error_occurrences Number of occurrences per service, error type and severity, fleet-wide.',
    '# TYPE periskop_error_occurrences counter',
  ];
  for (const g of groups) {
    const base: [string, string][] = [['service_name', g.service], ['severity', g.severity], ['aggregation_key', g.key]];
    if (!options.sourceLabel) {
      lines.push(`periskop_error_occurrences${formatLabels(base)} ${g.total}`);
      continue;
    }
    const bySource = new Map<string, number>();
    for (const [id, n] of g.counts) {
      const lineage = state.lineages.get(id);
      const source = lineage === undefined ? 'unknown' : (lineage.via[0] ?? lineage.name);
      bySource.set(source, (bySource.get(source) ?? 0) + n);
    }
    for (const [source, n] of bySource) lines.push(`periskop_error_occurrences${formatLabels([...base, ['source', source]])} ${n}`);
  }
  return { text: lines.join('\n') + '\n', dropped };
}
