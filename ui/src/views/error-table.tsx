import { useRef } from 'preact/hooks';
import type { ErrorSummary } from '../../../common/api/v1.js';
import { Ago } from '../components/now.js';
import { SeverityBadge, StatusBadge } from '../components/severity.js';
import { Sparkline } from '../components/sparkline.js';
import { count } from '../format/numbers.js';
import { errorHash, type ListFilters } from '../routing/routes.js';

type SortField = ListFilters['sort'];

/** A column header that sorts by its field; a second click reverses the order. */
function SortHeader({ field, label, filters, onSort, num = false }: { field: SortField; label: string; filters: ListFilters; onSort: (sort: SortField, order: 'asc' | 'desc') => void; num?: boolean }) {
  const active = filters.sort === field;
  const next = active && filters.order === 'desc' ? 'asc' : 'desc';
  return (
    <th scope="col" class={num ? 'num' : ''} aria-sort={active ? (filters.order === 'desc' ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class={`sort${active ? ' sort-active' : ''}`} onClick={() => onSort(field, next)} title={`Sort by ${label.toLowerCase()}, ${next === 'desc' ? 'largest or newest' : 'smallest or oldest'} first`}>
        {label}
        <span aria-hidden="true">{active ? (filters.order === 'desc' ? ' ▾' : ' ▴') : ''}</span>
      </button>
    </th>
  );
}

/** The headline of a group: "Class: message", whichever parts it has. */
export function headline(e: Pick<ErrorSummary, 'class' | 'message'>): string {
  const cls = typeof e.class === 'string' ? e.class : '';
  const msg = typeof e.message === 'string' ? e.message : '';
  return cls !== '' && msg !== '' ? `${cls}: ${msg}` : cls !== '' ? cls : msg;
}

/**
 * A page of a service's errors: severity, key and headline, status, count (flashing when a live
 * update changed it), last-hour sparkline, first and last seen. Each key is a link (Tab, Enter; j/k).
 */
export function ErrorTable({ items, filters, onSort }: { items: readonly ErrorSummary[]; filters: ListFilters; onSort: (sort: SortField, order: 'asc' | 'desc') => void }) {
  const previous = useRef(new Map<string, number>());
  const before = previous.current;
  previous.current = new Map(items.map((e) => [e.key, e.total_count]));
  return (
    <table class="grid errors" data-testid="error-list">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Error</th>
          <SortHeader field="count" label="Count" filters={filters} onSort={onSort} num />
          <th scope="col">Last hour</th>
          <SortHeader field="created_at" label="First seen" filters={filters} onSort={onSort} />
          <SortHeader field="last_seen" label="Last seen" filters={filters} onSort={onSort} />
        </tr>
      </thead>
      <tbody>
        {items.map((e) => {
          const was = before.get(e.key);
          const grew = was !== undefined && was !== e.total_count;
          const text = headline(e);
          return (
            <tr key={e.key} data-key={e.key} class={e.status === 'regressed' ? 'row-regressed' : e.status === 'resolved' ? 'row-resolved' : ''}>
              <td>
                <SeverityBadge severity={e.severity} />
              </td>
              <td class="error-cell">
                <a class="row-link key" href={errorHash(e.service, e.key)}>
                  {e.key}
                </a>{' '}
                <StatusBadge status={e.status} />
                {text !== '' && (
                  <div class="headline" title={text}>
                    {text}
                  </div>
                )}
              </td>
              <td class="num">
                <span key={e.total_count} class={grew ? 'count flash' : 'count'} data-testid="error-count">
                  {count(e.total_count)}
                </span>
              </td>
              <td>
                <Sparkline series={e.sparkline} width={100} />
              </td>
              <td>
                <Ago iso={e.created_at} />
              </td>
              <td>
                <Ago iso={e.last_seen} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
