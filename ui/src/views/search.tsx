import { useEffect, useState } from 'preact/hooks';
import type { ErrorListResponse } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { Pager } from '../components/pager.js';
import { SeverityBadge, StatusBadge } from '../components/severity.js';
import { count } from '../format/numbers.js';
import { errorHash, serviceHash } from '../routing/routes.js';
import { headline } from './error-table.js';

/** Matches per page of the search over every service. */
const PAGE_SIZE = 50;
const NO_HITS: ErrorListResponse = { items: [], next_cursor: null, total: 0 };

/**
 * `#/-/search?q=`: the header's search. The errors of every service matching `q` (any status, most
 * recently seen first), from one `GET /api/v1/errors?q=` with its pages, and the services whose
 * name matches.
 */
export function SearchView({ q }: { q: string }) {
  const [pages, setPages] = useState<{ q: string; cursors: (string | null)[] }>({ q, cursors: [null] });
  const cursors = pages.q === q ? pages.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = cursors.length - 1;
  const empty = q.trim() === '';
  const names = useResource(
    async (signal) => {
      if (empty) return [];
      const needle = q.trim().toLowerCase();
      return (await api.services(signal)).items.map((s) => s.name).filter((s) => s.toLowerCase().includes(needle));
    },
    [q],
    { liveMatch: (m) => m.type === 'services', minIntervalMs: 5000 },
  );
  const hits = useResource(
    async (signal) => ({
      page,
      response: empty ? NO_HITS : await api.allErrors({ q, severity: '', status: 'all', sort: 'last_seen', order: 'desc', limit: PAGE_SIZE, cursor }, signal),
    }),
    [q, cursor],
    { liveMatch: (m) => m.type === 'groups', minIntervalMs: 5000 },
  );
  useEffect(() => {
    document.title = `Search: ${q} · Crowsnest`;
  }, [q]);
  if (empty) return <p class="empty">Type in the search box above to search every service’s errors.</p>;
  return (
    <section>
      <header class="page-head">
        <h1>
          Search: <span class="query">{q}</span>
        </h1>
      </header>
      {names.data !== undefined && names.data.length > 0 && (
        <p data-testid="service-matches">
          Services:{' '}
          {names.data.map((n) => (
            <a key={n} class="chip" href={serviceHash(n)}>
              {n}
            </a>
          ))}
        </p>
      )}
      <Loaded data={hits.data} error={hits.error} what="search results">
        {({ page: shownPage, response }) => (
          <div data-testid="search-results">
            {response.total === 0 && <p class="empty">No error in any service matches “{q}”.</p>}
            {response.items.length > 0 && (
              <ul class="hits">
                {response.items.map((e) => (
                  <li key={`${e.service}\u0000${e.key}`} data-service={e.service}>
                    <SeverityBadge severity={e.severity} />{' '}
                    <a class="chip" href={serviceHash(e.service, { q, status: 'all' })}>
                      {e.service}
                    </a>{' '}
                    <a class="row-link key" href={errorHash(e.service, e.key)}>
                      {e.key}
                    </a>{' '}
                    <StatusBadge status={e.status} /> <span class="muted small">{count(e.total_count)} · <Ago iso={e.last_seen} /></span>
                    {headline(e) !== '' && <div class="headline">{headline(e)}</div>}
                  </li>
                ))}
              </ul>
            )}
            {response.total > 0 && (
              <Pager
                offset={shownPage * PAGE_SIZE}
                shown={response.items.length}
                total={response.total}
                hasPrevious={shownPage > 0}
                hasNext={response.next_cursor !== null}
                onPrevious={() => setPages({ q, cursors: cursors.slice(0, Math.max(1, shownPage)) })}
                onNext={() => response.next_cursor !== null && setPages({ q, cursors: [...cursors.slice(0, shownPage + 1), response.next_cursor] })}
              />
            )}
          </div>
        )}
      </Loaded>
    </section>
  );
}
