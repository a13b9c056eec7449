/** The overview's sort keys: name, open errors by severity (errors, then warnings, then infos), occurrences, last seen. */
export const OVERVIEW_SORTS = ['name', 'open', 'occurrences', 'last_seen'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];

/** What the overview shows; kept in the hash (`#/?q=&sort=&order=`). */
export interface OverviewState {
  readonly q: string;
  readonly sort: OverviewSort;
  readonly order: 'asc' | 'desc';
}

export const DEFAULT_OVERVIEW: OverviewState = { q: '', sort: 'name', order: 'asc' };

/** The order a column sorts in when first chosen: names A–Z, figures largest first. */
export const firstOrder = (sort: OverviewSort): 'asc' | 'desc' => (sort === 'name' ? 'asc' : 'desc');

export function parseOverview(query: string): OverviewState {
  const p = new URLSearchParams(query);
  const sort = p.get('sort');
  const order = p.get('order');
  return {
    q: p.get('q') ?? '',
    sort: (OVERVIEW_SORTS as readonly string[]).includes(sort ?? '') ? (sort as OverviewSort) : DEFAULT_OVERVIEW.sort,
    order: order === 'asc' || order === 'desc' ? order : DEFAULT_OVERVIEW.order,
  };
}

export function formatOverview(s: OverviewState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  if (s.sort !== DEFAULT_OVERVIEW.sort) p.set('sort', s.sort);
  if (s.order !== DEFAULT_OVERVIEW.order) p.set('order', s.order);
  return p.toString();
}

/** What the Fleet view shows; kept in the hash (`#/targets?q=&open=svc&open=svc2`). */
export interface FleetState {
  readonly q: string;
  /** Services whose healthy targets are expanded, in the order they were opened. */
  readonly open: readonly string[];
}

export const DEFAULT_FLEET: FleetState = { q: '', open: [] };

export function parseFleet(query: string): FleetState {
  const p = new URLSearchParams(query);
  return { q: p.get('q') ?? '', open: [...new Set(p.getAll('open'))] };
}

export function formatFleet(s: FleetState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  for (const o of s.open) p.append('open', o);
  return p.toString();
}
