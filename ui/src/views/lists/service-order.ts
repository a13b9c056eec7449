import type { ServiceSummary } from '../../../../common/api/v1.js';
import type { OverviewState } from '../../routing/list-state.js';

/** Occurrences of a service's open groups. */
export const openOccurrences = (s: ServiceSummary): number => (s.counts?.error ?? 0) + (s.counts?.warning ?? 0) + (s.counts?.info ?? 0);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const time = (iso: string | null): number => (iso === null ? 0 : Date.parse(iso) || 0);
const sev = (s: ServiceSummary) => s.groups_by_severity ?? { error: 0, warning: 0, info: 0 };

/** Ascending comparators per sort key; ties are broken by name, A–Z, whatever the order. */
const ASCENDING: Record<OverviewState['sort'], (a: ServiceSummary, b: ServiceSummary) => number> = {
  name: (a, b) => cmp(a.name, b.name),
  open: (a, b) => sev(a).error - sev(b).error || sev(a).warning - sev(b).warning || sev(a).info - sev(b).info,
  occurrences: (a, b) => openOccurrences(a) - openOccurrences(b),
  last_seen: (a, b) => time(a.last_seen) - time(b.last_seen),
};

/**
 * The overview's rows: services whose name holds `q` (any case), in the chosen order. Pure and linear
 * in services apart from the sort: nothing here grows with groups.
 */
export function orderServices(items: readonly ServiceSummary[], state: OverviewState): ServiceSummary[] {
  const needle = state.q.trim().toLowerCase();
  const kept = needle === '' ? [...items] : items.filter((s) => s.name.toLowerCase().includes(needle));
  const by = ASCENDING[state.sort];
  const sign = state.order === 'asc' ? 1 : -1;
  return kept.sort((a, b) => sign * by(a, b) || cmp(a.name, b.name));
}
