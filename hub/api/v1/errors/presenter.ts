import type { Contribution, ErrorGroupResponse, ErrorSummary, Sample } from '../../../../common/api/v1.js';
import type { Occurrence } from '../../../../common/occurrence.js';
import { type HubGroup, statusOf } from '../../../state/group.js';
import type { LineageRegistry } from '../../../state/lineages.js';
import { hourWindow, minuteWindow } from '../../../state/series.js';
import { iso, toSeries } from '../present.js';
import { firstRelease, tagBreakdown } from './tags-presenter.js';

/** Minutes in a list row's sparkline. */
export const SPARKLINE_MINUTES = 60;

/** A group as a list row (v1 ErrorSummary). */
export function toErrorSummary(g: HubGroup, now: number): ErrorSummary {
  return {
    service: g.service,
    key: g.key,
    severity: g.severity,
    status: statusOf(g),
    total_count: g.total,
    created_at: iso(g.createdAt),
    last_seen: iso(g.lastSeen),
    resolved_at: iso(g.resolution?.at),
    regressed_at: iso(g.regressedAt),
    class: g.headline?.class ?? '',
    message: g.headline?.message ?? '',
    sparkline: toSeries(minuteWindow(g.series, now, SPARKLINE_MINUTES)),
    first_release: firstRelease(g.releases),
    environments: tagBreakdown(g.environments, 'count'),
  };
}

export function toSample(o: Occurrence): Sample {
  return {
    uuid: o.uuid,
    timestamp: iso(o.timestamp),
    severity: o.severity,
    chain: o.chain.map((d) => ({ class: d.class, message: d.message, stacktrace: d.stacktrace })),
    http: o.http === null ? null : { method: o.http.method, url: o.http.url, headers: o.http.headers, body: o.http.body },
  };
}

/**
 * Who contributed: the group's lineages grouped by agent and the child hubs they came through, with
 * the labels of the agent's newest lineage; largest count first.
 */
export function contributions(g: HubGroup, lineages: LineageRegistry): Contribution[] {
  const byRoute = new Map<string, Contribution & { newest: number }>();
  for (const [id, count] of g.counts) {
    const lineage = lineages.get(id);
    const agent = lineage?.name ?? `unknown lineage ${id}`;
    // Lineages keep the route nearest last; v1 shows it nearest this hub first.
    const via = lineage === undefined ? [] : [...lineage.via].reverse();
    const route = JSON.stringify([agent, via]);
    const held = byRoute.get(route);
    if (held === undefined) {
      byRoute.set(route, { agent, via, labels: lineage?.labels ?? {}, count, lineages: 1, newest: id });
    } else {
      held.count += count;
      held.lineages++;
      if (id > held.newest && lineage !== undefined) {
        held.newest = id;
        held.labels = lineage.labels;
      }
    }
  }
  return [...byRoute.values()]
    .sort((a, b) => b.count - a.count || (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0))
    .map(({ agent, via, labels, count, lineages: n }) => ({ agent, via, labels, count, lineages: n }));
}

/** One group with everything the detail view shows (v1 ErrorGroupResponse). */
export function toErrorGroup(g: HubGroup, lineages: LineageRegistry, now: number): ErrorGroupResponse {
  return {
    ...toErrorSummary(g, now),
    samples: g.samples.map(toSample),
    samples_evicted: g.samplesEvicted,
    sources: contributions(g, lineages),
    releases: tagBreakdown(g.releases, 'newest'),
    series: { minutes: toSeries(minuteWindow(g.series, now)), hours: toSeries(hourWindow(g.series, now)) },
  };
}
