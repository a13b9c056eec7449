import type { ServiceDetailResponse, ServiceSummary } from '../../../../common/api/v1.js';
import type { ServiceTally } from '../../../state/service-tally.js';
import { hourWindow, minuteWindow, type SeriesData } from '../../../state/series.js';
import { iso, toSeries } from '../present.js';

/** Minutes in a service's sparkline. */
export const SERVICE_SPARKLINE_MINUTES = 60;

/**
 * A service's row, from its tally (service-tally.ts: kept up to date as merges happen, so a list of
 * services costs O(services)). `counts` and `groups_by_severity` cover open groups (not resolved);
 * `total_count` and `last_seen` cover every group.
 */
export function toServiceSummary(name: string, tally: ServiceTally, series: SeriesData | null, now: number): ServiceSummary {
  return {
    name,
    open_errors: tally.open,
    regressed_errors: tally.regressed,
    resolved_errors: tally.resolved,
    groups: tally.groups,
    counts: { ...tally.counts },
    groups_by_severity: { ...tally.groupsBySeverity },
    total_count: tally.total,
    last_seen: iso(tally.lastSeen),
    sparkline: toSeries(minuteWindow(series, now, SERVICE_SPARKLINE_MINUTES)),
  };
}

export function toServiceDetail(name: string, tally: ServiceTally, series: SeriesData | null, now: number): ServiceDetailResponse {
  return {
    ...toServiceSummary(name, tally, series, now),
    series: { minutes: toSeries(minuteWindow(series, now)), hours: toSeries(hourWindow(series, now)) },
  };
}
