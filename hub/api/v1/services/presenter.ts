import type { ServiceDetailResponse, ServiceSummary } from '../../../../common/api/v1.js';
import type { HubGroup } from '../../../state/group.js';
import { hourWindow, minuteWindow, type SeriesData } from '../../../state/series.js';
import { iso, toSeries } from '../present.js';

/** Minutes in a service's sparkline. */
export const SERVICE_SPARKLINE_MINUTES = 60;

/**
 * A service's row: counts over its groups (one pass). `counts` and `groups_by_severity` cover open
 * groups (not resolved); `total_count` and `last_seen` cover every group.
 */
export function toServiceSummary(name: string, groups: Map<string, HubGroup>, series: SeriesData | null, now: number): ServiceSummary {
  const counts = { info: 0, warning: 0, error: 0 };
  const bySeverity = { info: 0, warning: 0, error: 0 };
  let open = 0;
  let regressed = 0;
  let resolved = 0;
  let total = 0;
  let lastSeen = 0;
  for (const g of groups.values()) {
    total += g.total;
    if (g.lastSeen > lastSeen) lastSeen = g.lastSeen;
    if (g.resolution !== null) {
      resolved++;
      continue;
    }
    open++;
    if (g.regressedAt > 0) regressed++;
    counts[g.severity] += g.total;
    bySeverity[g.severity]++;
  }
  return {
    name,
    open_errors: open,
    regressed_errors: regressed,
    resolved_errors: resolved,
    groups: groups.size,
    counts,
    groups_by_severity: bySeverity,
    total_count: total,
    last_seen: iso(lastSeen),
    sparkline: toSeries(minuteWindow(series, now, SERVICE_SPARKLINE_MINUTES)),
  };
}

export function toServiceDetail(name: string, groups: Map<string, HubGroup>, series: SeriesData | null, now: number): ServiceDetailResponse {
  return {
    ...toServiceSummary(name, groups, series, now),
    series: { minutes: toSeries(minuteWindow(series, now)), hours: toSeries(hourWindow(series, now)) },
  };
}
