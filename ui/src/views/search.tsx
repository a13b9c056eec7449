import { useEffect } from 'preact/hooks';
import type { ErrorListResponse } from '../../../common/api/v1.js';
import { api, toApiError } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { SeverityBadge, StatusBadge } from '../components/severity.js';
import { count } from '../format/numbers.js';
import { errorHash, serviceHash } from '../routing/routes.js';
import { headline } from './error-table.js';

/** Matches shown per service; the rest are one click away in the service's own list. */
const PER_SERVICE = 10;
/** Services searched at once. */
const CONCURRENCY = 4;

interface ServiceHits {
  readonly service: string;
  readonly result: ErrorListResponse;
}

/** Runs `work` over `items`, `limit` at a time, keeping the order of `items`. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every service's errors matching `q` (all statuses), a few per service, plus the services whose name matches. */
async function searchAll(q: string, signal: AbortSignal): Promise<{ names: string[]; hits: ServiceHits[] }> {
  const services = (await api.services(signal)).items.map((s) => s.name);
  const needle = q.trim().toLowerCase();
  const names = services.filter((s) => s.toLowerCase().includes(needle));
  const results = await mapLimited(services, CONCURRENCY, async (service) => {
    try {
      const result = await api.errors(service, { q, severity: '', status: 'all', sort: 'last_seen', order: 'desc', limit: PER_SERVICE, cursor: null }, signal);
      return { service, result };
    } catch (err) {
      // A service that went away between the two calls has nothing to show.
      if (toApiError(err).status === 404) return { service, result: { items: [], next_cursor: null, total: 0 } };
      throw err;
    }
  });
  return { names, hits: results.filter((r) => r.result.total > 0) };
}

/** `#/-/search?q=`: the header's search, across every service. */
export function SearchView({ q }: { q: string }) {
  const found = useResource((signal) => (q.trim() === '' ? Promise.resolve({ names: [], hits: [] }) : searchAll(q, signal)), [q], {
    liveMatch: (m) => m.type === 'services',
    minIntervalMs: 5000,
  });
  useEffect(() => {
    document.title = `Search: ${q} · Crowsnest`;
  }, [q]);
  if (q.trim() === '') return <p class="empty">Type in the search box above to search every service’s errors.</p>;
  return (
    <section>
      <header class="page-head">
        <h1>
          Search: <span class="query">{q}</span>
        </h1>
      </header>
      <Loaded data={found.data} error={found.error} what="search results">
        {(data) => (
          <div data-testid="search-results">
            {data.names.length > 0 && (
              <p>
                Services:{' '}
                {data.names.map((n) => (
                  <a key={n} class="chip" href={serviceHash(n)}>
                    {n}
                  </a>
                ))}
              </p>
            )}
            {data.hits.length === 0 && <p class="empty">No error in any service matches “{q}”.</p>}
            {data.hits.map(({ service, result }) => (
              <div key={service} class="search-group" data-service={service}>
                <h2>
                  <a href={serviceHash(service, { q, status: 'all' })}>{service}</a>{' '}
                  <span class="muted small">
                    {count(result.total)} match{result.total === 1 ? '' : 'es'}
                  </span>
                </h2>
                <ul class="hits">
                  {result.items.map((e) => (
                    <li key={e.key}>
                      <SeverityBadge severity={e.severity} />{' '}
                      <a class="row-link key" href={errorHash(service, e.key)}>
                        {e.key}
                      </a>{' '}
                      <StatusBadge status={e.status} /> <span class="muted small">{count(e.total_count)} · <Ago iso={e.last_seen} /></span>
                      {headline(e) !== '' && <div class="headline">{headline(e)}</div>}
                    </li>
                  ))}
                </ul>
                {result.total > result.items.length && (
                  <a href={serviceHash(service, { q, status: 'all' })}>All {count(result.total)} matches in {service} ›</a>
                )}
              </div>
            ))}
          </div>
        )}
      </Loaded>
    </section>
  );
}
