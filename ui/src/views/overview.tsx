import type { ServiceSummary } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { Sparkline } from '../components/sparkline.js';
import { count } from '../format/numbers.js';
import { formatHash, serviceHash } from '../routing/routes.js';

const SEVERITY_ORDER = ['error', 'warning', 'info'] as const;

/** Open groups by severity as coloured counts; the occurrences on hover. */
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
          {count(s.groups_by_severity[sev])} {sev}
        </a>
      ))}
    </span>
  );
}

/** `#/`: every service with open errors by severity, regressions, a last-hour sparkline and last seen. */
export function OverviewView() {
  const services = useResource((signal) => api.services(signal), [], { liveMatch: (m) => m.type === 'services', minIntervalMs: 1000 });
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
                Errors show up here once an agent scrapes a target that reports some. See the <a href={formatHash({ view: 'fleet' })}>fleet</a> for connected
                agents and target health.
              </p>
            </div>
          ) : (
            <table class="grid" data-testid="services">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Open errors</th>
                  <th scope="col" class="num">Regressed</th>
                  <th scope="col" class="num">Occurrences</th>
                  <th scope="col">Last hour</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => (
                  <tr key={s.name} data-service={s.name}>
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
                        <a class="regressed-count" href={serviceHash(s.name, { status: 'regressed' })}>
                          {count(s.regressed_errors)}
                        </a>
                      ) : (
                        <span class="muted">0</span>
                      )}
                    </td>
                    <td class="num" title={`${count(s.total_count)} including resolved errors`} data-testid="service-occurrences">
                      {count((s.counts?.error ?? 0) + (s.counts?.warning ?? 0) + (s.counts?.info ?? 0))}
                    </td>
                    <td>
                      <Sparkline series={s.sparkline} />
                    </td>
                    <td>
                      <Ago iso={s.last_seen} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
