import { memoRow } from '../components/memo.js';
import { useEffect, useMemo } from 'preact/hooks';
import type { ServiceSummary } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { FilterBox } from '../components/filter-box.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { SortHeader } from '../components/sort-header.js';
import { Sparkline } from '../components/sparkline.js';
import { compactNumber } from '../format/compact.js';
import { count } from '../format/numbers.js';
import { firstOrder, type OverviewSort, type OverviewState } from '../routing/list-state.js';
import { fleetHash, serviceHash } from '../routing/routes.js';
import { navigate } from '../routing/use-route.js';
import { openOccurrences, orderServices } from './lists/service-order.js';

const SEVERITY_ORDER = ['error', 'warning', 'info'] as const;

/** Open groups by severity as coloured counts (compact); the exact figures on hover. */
function SeverityCounts({ s }: { s: ServiceSummary }) {
  const parts = SEVERITY_ORDER.filter((sev) => (s.groups_by_severity?.[sev] ?? 0) > 0);
  if (parts.length === 0) return <span class="muted">none open</span>;
  return (
    <span class="sev-counts">
      {parts.map((sev) => (
        <a
          key={sev}
          class={`sev-count sev-text-${sev}`}
          href={serviceHash(s.name, { severity: sev })}
          title={`${count(s.groups_by_severity[sev])} open ${sev} groups, ${count(s.counts?.[sev])} occurrences`}
        >
          {compactNumber(s.groups_by_severity[sev])} {sev}
        </a>
      ))}
    </span>
  );
}

/** One service's row; re-rendered only when its figures changed (a live refresh brings new objects). */
const ServiceRow = memoRow(
  function ServiceRow({ s }: { s: ServiceSummary }) {
    const occurrences = openOccurrences(s);
    return (
      <tr data-service={s.name}>
        <td class="name">
          <a class="row-link" href={serviceHash(s.name)}>
            {s.name}
          </a>
        </td>
        <td>
          <SeverityCounts s={s} />
        </td>
        <td class="num">
          {s.regressed_errors > 0 ? (
            <a class="regressed-count" href={serviceHash(s.name, { status: 'regressed' })} title={`${count(s.regressed_errors)} regressed`}>
              {compactNumber(s.regressed_errors)}
            </a>
          ) : (
            <span class="muted">0</span>
          )}
        </td>
        <td class="num" title={`${count(occurrences)} occurrences of open errors; ${count(s.total_count)} including resolved ones`} data-testid="service-occurrences" data-value={occurrences}>
          {compactNumber(occurrences)}
        </td>
        <td>
          <Sparkline series={s.sparkline} />
        </td>
        <td data-value={s.last_seen ?? ''}>
          <Ago iso={s.last_seen} />
        </td>
      </tr>
    );
  },
  (a, b) => JSON.stringify(a.s) === JSON.stringify(b.s),
);

/** `#/`: every service with open errors by severity, regressions, a last-hour sparkline and last seen; sortable and filtered, state in the hash. */
export function OverviewView({ list }: { list: OverviewState }) {
  const services = useResource((signal) => api.services(signal), [], { liveMatch: (m) => m.type === 'services', minIntervalMs: 1000 });
  useEffect(() => {
    document.title = 'Crowsnest';
  }, []);
  const go = (s: Partial<OverviewState>): void => navigate({ view: 'overview', list: { ...list, ...s } }, { replace: true });
  const onSort = (sort: OverviewSort, order: 'asc' | 'desc'): void => go({ sort, order });
  const items = services.data?.items;
  const rows = useMemo(() => (items === undefined ? [] : orderServices(items, list)), [items, list.q, list.sort, list.order]);
  const head = (field: OverviewSort, label: string, num = false) => <SortHeader field={field} label={label} sort={list.sort} order={list.order} first={firstOrder(field)} onSort={onSort} num={num} />;
  return (
    <section>
      <header class="page-head">
        <h1>Services</h1>
      </header>
      <Loaded data={services.data} error={services.error} what="services">
        {(data) =>
          data.items.length === 0 ? (
            <div class="empty">
              <p>No errors have reached this hub yet.</p>
              <p class="muted">
                Errors show up here once an agent scrapes a target that reports some. See the <a href={fleetHash()}>fleet</a> for connected agents and target health.
              </p>
            </div>
          ) : (
            <>
              <div class="list-tools">
                <FilterBox value={list.q} onChange={(q) => go({ q })} label="Filter services" placeholder="Filter services by name…" testId="services-filter" />
                <span class="muted small" data-testid="services-shown">
                  {rows.length === data.items.length ? `${count(rows.length)} services` : `${count(rows.length)} of ${count(data.items.length)} services`}
                </span>
              </div>
              {rows.length === 0 ? (
                <p class="empty">No service matches “{list.q}”.</p>
              ) : (
                <table class="grid" data-testid="services">
                  <thead>
                    <tr>
                      {head('name', 'Service')}
                      {head('open', 'Open errors')}
                      <th scope="col" class="num">
                        Regressed
                      </th>
                      {head('occurrences', 'Occurrences', true)}
                      <th scope="col">Last hour</th>
                      {head('last_seen', 'Last seen')}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((s) => (
                      <ServiceRow key={s.name} s={s} />
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}
