import { useEffect, useState } from 'preact/hooks';
import type { AlertView } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { SeverityBadge } from '../components/severity.js';
import { count } from '../format/numbers.js';
import { errorHash, serviceHash } from '../routing/routes.js';
import { headline } from './error-table.js';
import { GridTable, num } from '../components/grid-table.js';

const LIMIT = 500;

/** `#/-/alerts`: the notifications the hub fired (new and regressed errors) and how each was delivered. */
export function AlertsView() {
  const [type, setType] = useState<'' | 'new' | 'regressed'>('');
  const alerts = useResource((signal) => api.alerts(type === '' ? { limit: LIMIT } : { type, limit: LIMIT }, signal), [type], {
    liveMatch: (m) => m.type === 'alert',
  });
  useEffect(() => {
    document.title = 'Alerts · Crowsnest';
  }, []);
  return (
    <section>
      <header class="page-head">
        <h1>Alerts</h1>
      </header>
      <div class="filters">
        <div class="segmented" role="group" aria-label="Alert type">
          {(
            [
              ['', 'All'],
              ['new', 'New errors'],
              ['regressed', 'Regressions'],
            ] as const
          ).map(([value, label]) => (
            <button key={value} type="button" aria-pressed={type === value} onClick={() => setType(value)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <Loaded data={alerts.data} error={alerts.error} what="the alert history">
        {(data) =>
          data.items.length === 0 ? (
            <p class="empty">No alerts fired yet. The hub fires one when an error is new or comes back after a resolve.</p>
          ) : (
            <AlertsTable items={data.items} />
          )
        }
      </Loaded>
    </section>
  );
}

function AlertsTable({ items }: { items: readonly AlertView[] }) {
  return (
    <GridTable testId="alerts" columns={['Fired', 'Type', 'Service', 'Error', num('Count then'), 'Delivery']}>
      {items.map((a) => (
        <tr key={a.id}>
          <td>
            <Ago iso={a.fired_at} />
          </td>
          <td>{a.type === 'regressed' ? <span class="badge status-regressed">regressed</span> : <span class="badge status-new">new</span>}</td>
          <td>
            <a href={serviceHash(a.service)}>{a.service}</a>
          </td>
          <td class="error-cell">
            <SeverityBadge severity={a.severity} />{' '}
            <a class="row-link key" href={errorHash(a.service, a.key)}>
              {a.key}
            </a>
            {headline(a) !== '' && <div class="headline">{headline(a)}</div>}
          </td>
          <td class="num">{count(a.total_count)}</td>
          <td>
            {(a.deliveries ?? []).length === 0 ? (
              <span class="muted small">no channel</span>
            ) : (
              (a.deliveries ?? []).map((d) => (
                <span
                  key={d.channel}
                  class={`chip delivery-${d.status}`}
                  title={`${d.status} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.last_error === null ? '' : `\nlast error: ${d.last_error}`}${(d.ended_at ?? null) === null ? '' : `\nended at ${d.ended_at}`}`}
                >
                  {d.channel}: {d.status}
                </span>
              ))
            )}
          </td>
        </tr>
      ))}
    </GridTable>
  );
}
