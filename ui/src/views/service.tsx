import { useEffect, useRef, useState } from 'preact/hooks';
import type { Severity } from '../../../common/severity.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { Pager } from '../components/pager.js';
import { SeriesChart } from '../components/series-chart.js';
import { count } from '../format/numbers.js';
import { formatFilters, type ListFilters, overviewHash } from '../routing/routes.js';
import { navigate } from '../routing/use-route.js';
import { ErrorTable } from './error-table.js';

const PAGE_SIZE = 50;
const STATUSES: { value: ListFilters['status']; label: string }[] = [
  { value: 'unresolved', label: 'Unresolved' },
  { value: 'regressed', label: 'Regressed' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];

/** `#/{service}`: the service's errors with search, filters, sort and pages, updated live. */
export function ServiceView({ service, filters }: { service: string; filters: ListFilters }) {
  const go = (f: Partial<ListFilters>, replace = false): void => navigate({ view: 'service', service, filters: { ...filters, ...f } }, { replace });
  const filtersKey = formatFilters(filters);
  // Cursors of the pages walked through (null: the first page); reset when the filters change.
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({ key: filtersKey, cursors: [null] });
  const cursors = pages.key === filtersKey ? pages.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;

  const detail = useResource((signal) => api.service(service, signal), [service], {
    liveMatch: (m) => m.type === 'groups' && m.service === service,
    minIntervalMs: 2000,
  });
  // The page index travels with the data, so the pager never labels an old page with a new range.
  const page = cursors.length - 1;
  const list = useResource(
    (signal) => api.errors(service, { ...filters, limit: PAGE_SIZE, cursor }, signal).then((response) => ({ page, response })),
    [service, filtersKey, cursor],
    { liveMatch: (m) => m.type === 'groups' && m.service === service },
  );

  useEffect(() => {
    document.title = `${service} · Crowsnest`;
  }, [service]);

  if (detail.error?.status === 404 && list.error?.status === 404) {
    return (
      <section>
        <h1>{service}</h1>
        <p class="banner">
          This hub holds no service called “{service}”. <a href={overviewHash()}>All services</a>
        </p>
      </section>
    );
  }

  return (
    <section>
      <header class="page-head">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href={overviewHash()}>Services</a> /
        </nav>
        <h1>{service}</h1>
        {detail.data !== undefined && (
          <p class="summary">
            <span>
              <strong>{count(detail.data.open_errors)}</strong> open
            </span>
            <span class={detail.data.regressed_errors > 0 ? 'regressed-count' : ''}>
              <strong>{count(detail.data.regressed_errors)}</strong> regressed
            </span>
            <span>
              <strong>{count(detail.data.resolved_errors)}</strong> resolved
            </span>
            <span>
              last seen <Ago iso={detail.data.last_seen} />
            </span>
          </p>
        )}
      </header>
      {detail.data !== undefined && <SeriesChart series={detail.data.series} label={`Occurrences in ${service}`} />}

      <div class="filters" role="search">
        <SearchBox value={filters.q} onChange={(q) => go({ q }, true)} />
        <label class="inline">
          Severity{' '}
          <select value={filters.severity} onChange={(e) => go({ severity: e.currentTarget.value as Severity | '' })} name="severity">
            <option value="">all</option>
            <option value="error">error</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </label>
        <div class="segmented" role="group" aria-label="Status">
          {STATUSES.map((s) => (
            <button key={s.value} type="button" aria-pressed={filters.status === s.value} onClick={() => go({ status: s.value })}>
              {s.label}
            </button>
          ))}
        </div>
      </div>

      <Loaded data={list.data} error={list.error} what="errors">
        {({ page: shownPage, response: data }) => (
          <div class={list.loading ? 'stale' : ''} aria-busy={list.loading}>
            {data.items.length === 0 ? (
              <p class="empty">
                {filters.q !== '' || filters.severity !== '' || filters.status !== 'unresolved' ? 'No errors match these filters.' : 'No unresolved errors. 🎉'}
              </p>
            ) : (
              <ErrorTable items={data.items} filters={filters} onSort={(sort, order) => go({ sort, order })} />
            )}
            <Pager
              offset={shownPage * PAGE_SIZE}
              shown={data.items.length}
              total={data.total}
              hasPrevious={shownPage > 0}
              hasNext={data.next_cursor !== null}
              onPrevious={() => setPages({ key: filtersKey, cursors: cursors.slice(0, Math.max(1, shownPage)) })}
              onNext={() => data.next_cursor !== null && setPages({ key: filtersKey, cursors: [...cursors.slice(0, shownPage + 1), data.next_cursor] })}
            />
          </div>
        )}
      </Loaded>
    </section>
  );
}

/** Full-text search over key, class, message, stack trace and URL; applied as the user types. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (document.activeElement !== input.current) setText(value);
  }, [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <input
      ref={input}
      type="search"
      class="search"
      name="q"
      placeholder="Search key, class, message, stack trace, URL…  ( / )"
      aria-label="Search this service's errors"
      data-search-focus=""
      value={text}
      onInput={(e) => {
        const q = e.currentTarget.value;
        setText(q);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => onChange(q), 250);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          window.clearTimeout(timer.current);
          onChange(text);
        }
      }}
    />
  );
}
