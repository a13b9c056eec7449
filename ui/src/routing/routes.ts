import type { ErrorListQuery } from '../../../common/api/v1.js';
import type { Severity } from '../../../common/severity.js';
import { lenientDecode } from './decode.js';
import { DEFAULT_FLEET, DEFAULT_OVERVIEW, type FleetState, formatFleet, formatOverview, type OverviewState, parseFleet, parseOverview } from './list-state.js';

/** What the error list of a service shows; kept in the hash so a view can be shared and reloaded. */
export interface ListFilters {
  readonly q: string;
  readonly severity: Severity | '';
  readonly status: ErrorListQuery['status'];
  readonly sort: ErrorListQuery['sort'];
  readonly order: ErrorListQuery['order'];
}

export const DEFAULT_FILTERS: ListFilters = { q: '', severity: '', status: 'unresolved', sort: 'last_seen', order: 'desc' };

/**
 * The views of the UI, addressed by the URL's hash so that any sub-path works and Periskop's links
 * keep working: `#/` services (`#/?q&sort&order`), `#/targets` fleet (`#/targets?q&open`), `#/{service}` a service's errors,
 * `#/{service}/errors/{encodeURIComponent(key)}` one error. Routes of our own live under `#/-/`
 * (a service cannot be called `-` and be shadowed by them by accident).
 */
export type Route =
  | { readonly view: 'overview'; readonly list: OverviewState }
  | { readonly view: 'fleet'; readonly fleet: FleetState }
  | { readonly view: 'alerts' }
  | { readonly view: 'search'; readonly q: string }
  | { readonly view: 'service'; readonly service: string; readonly filters: ListFilters }
  | { readonly view: 'error'; readonly service: string; readonly key: string }
  | { readonly view: 'not-found'; readonly hash: string };

const SEVERITIES: readonly string[] = ['info', 'warning', 'error'];
const STATUSES: readonly string[] = ['unresolved', 'resolved', 'regressed', 'all'];
const SORTS: readonly string[] = ['count', 'last_seen', 'created_at'];

/** The route a hash (with or without its leading `#`) names. Never throws; unknown shapes are 'not-found'. */
export function parseHash(hash: string): Route {
  let path = hash.startsWith('#') ? hash.slice(1) : hash;
  if (path.startsWith('/')) path = path.slice(1);
  if (path === '' || path === '/') return { view: 'overview', list: DEFAULT_OVERVIEW };
  if (path === 'targets' || path.startsWith('targets?')) return { view: 'fleet', fleet: parseFleet(path.slice('targets?'.length)) };
  if (path === '-/alerts') return { view: 'alerts' };
  if (path === '-/search' || path.startsWith('-/search?')) {
    return { view: 'search', q: new URLSearchParams(path.slice('-/search?'.length)).get('q') ?? '' };
  }
  const slash = path.indexOf('/');
  const question = path.indexOf('?');
  if (question >= 0 && (slash < 0 || question < slash)) {
    return serviceRoute(path.slice(0, question), path.slice(question + 1));
  }
  if (slash < 0) return serviceRoute(path, '');
  const segment = path.slice(0, slash);
  const rest = path.slice(slash + 1);
  if (segment === '') return { view: 'not-found', hash };
  // Everything after `errors/` is the key: a hand-written link may hold raw slashes, `?` or `#`.
  if (rest.startsWith('errors/') && rest.length > 'errors/'.length) {
    return { view: 'error', service: lenientDecode(segment), key: lenientDecode(rest.slice('errors/'.length)) };
  }
  for (const tail of ['', 'errors', 'errors/']) {
    if (rest === tail) return serviceRoute(segment, '');
    if (rest.startsWith(`${tail}?`)) return serviceRoute(segment, rest.slice(tail.length + 1));
  }
  return { view: 'not-found', hash };
}

function serviceRoute(segment: string, query: string): Route {
  if (segment === '') return { view: 'overview', list: parseOverview(query) };
  return { view: 'service', service: lenientDecode(segment), filters: parseFilters(query) };
}

/** List filters from a query string; unknown values fall back to the defaults. */
export function parseFilters(query: string): ListFilters {
  const p = new URLSearchParams(query);
  const pick = <T extends string>(name: string, allowed: readonly string[], fallback: T): T => {
    const v = p.get(name);
    return v !== null && allowed.includes(v) ? (v as T) : fallback;
  };
  return {
    q: p.get('q') ?? '',
    severity: pick<Severity | ''>('severity', SEVERITIES, ''),
    status: pick('status', STATUSES, DEFAULT_FILTERS.status),
    sort: pick('sort', SORTS, DEFAULT_FILTERS.sort),
    order: pick('order', ['asc', 'desc'], DEFAULT_FILTERS.order),
  };
}

/** The query string of non-default filters ('' when all are defaults). */
export function formatFilters(f: ListFilters): string {
  const p = new URLSearchParams();
  if (f.q !== '') p.set('q', f.q);
  if (f.severity !== '') p.set('severity', f.severity);
  if (f.status !== DEFAULT_FILTERS.status) p.set('status', f.status);
  if (f.sort !== DEFAULT_FILTERS.sort) p.set('sort', f.sort);
  if (f.order !== DEFAULT_FILTERS.order) p.set('order', f.order);
  return p.toString();
}

/** The hash of a route; `parseHash(formatHash(r))` gives `r` back. */
export function formatHash(route: Route): string {
  switch (route.view) {
    case 'overview': {
      const query = formatOverview(route.list);
      return query === '' ? '#/' : `#/?${query}`;
    }
    case 'fleet': {
      const query = formatFleet(route.fleet);
      return query === '' ? '#/targets' : `#/targets?${query}`;
    }
    case 'alerts':
      return '#/-/alerts';
    case 'search':
      return route.q === '' ? '#/-/search' : `#/-/search?${new URLSearchParams({ q: route.q }).toString()}`;
    case 'service': {
      const query = formatFilters(route.filters);
      // `#/targets` is Periskop's targets page; that service's list is reached with a trailing slash.
      const segment = encodeURIComponent(route.service) + (route.service === 'targets' ? '/' : '');
      return `#/${segment}${query === '' ? '' : `?${query}`}`;
    }
    case 'error':
      return `#/${encodeURIComponent(route.service)}/errors/${encodeURIComponent(route.key)}`;
    case 'not-found':
      return route.hash.startsWith('#') ? route.hash : `#${route.hash}`;
  }
}

/** Shorthands for links. */
export const overviewHash = (list: Partial<OverviewState> = {}): string => formatHash({ view: 'overview', list: { ...DEFAULT_OVERVIEW, ...list } });
export const fleetHash = (fleet: Partial<FleetState> = {}): string => formatHash({ view: 'fleet', fleet: { ...DEFAULT_FLEET, ...fleet } });
export const serviceHash = (service: string, filters: Partial<ListFilters> = {}): string =>
  formatHash({ view: 'service', service, filters: { ...DEFAULT_FILTERS, ...filters } });
export const errorHash = (service: string, key: string): string => formatHash({ view: 'error', service, key });
