import { memoRow } from '../components/memo.js';
import { useState } from 'preact/hooks';
import type { TargetServiceView, TargetView } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { Pager } from '../components/pager.js';
import { compactNumber } from '../format/compact.js';
import { bytes, count } from '../format/numbers.js';
import { duration } from '../format/time.js';
import { serviceHash } from '../routing/routes.js';
import { GridTable, num } from '../components/grid-table.js';

/** Healthy targets per page of an expanded service. */
export const TARGETS_PAGE = 50;

const TargetRow = memoRow(
  function TargetRow({ t }: { t: TargetView }) {
    const health = !t.up ? 'down' : t.last_error !== '' ? 'failing' : 'up';
    return (
      <tr data-target={t.url}>
        <td>
          <span class={`health ${health === 'up' ? 'health-up' : health === 'down' ? 'health-down' : 'health-warn'}`}>{health}</span>
        </td>
        <td class="url">{t.url}</td>
        <td>{t.agent}</td>
        <td>
          <Ago iso={t.last_scrape} />
        </td>
        <td class="num">{duration(t.duration_ms)}</td>
        <td class="num">{bytes(t.bytes)}</td>
        <td class="last-error">{t.last_error === '' ? <span class="muted">—</span> : t.last_error}</td>
      </tr>
    );
  },
  (a, b) => JSON.stringify(a.t) === JSON.stringify(b.t),
);

function TargetTable({ items, testId }: { items: readonly TargetView[]; testId: string }) {
  return (
    <GridTable testId={testId} columns={['Health', 'Target', 'Agent', 'Last scrape', num('Duration'), num('Size'), 'Last error']}>
      {items.map((t) => (
        <TargetRow key={`${t.agent}\u0000${t.url}`} t={t} />
      ))}
    </GridTable>
  );
}

/** The healthy targets of an expanded service, a page at a time, following the live stream. */
function HealthyTargets({ service, q }: { service: string; q: string }) {
  const [offset, setOffset] = useState(0);
  const page = useResource((signal) => api.targets({ service, q, health: 'ok', limit: TARGETS_PAGE, offset }, signal), [service, q, offset], {
    liveMatch: (m) => m.type === 'sources',
    minIntervalMs: 2000,
  });
  return (
    <Loaded data={page.data} error={page.error} what="targets">
      {(data) => (
        <>
          <TargetTable items={data.items} testId="healthy-targets" />
          {data.total > TARGETS_PAGE && (
            <Pager
              offset={offset}
              shown={data.items.length}
              total={data.total}
              hasPrevious={offset > 0}
              hasNext={offset + TARGETS_PAGE < data.total}
              onPrevious={() => setOffset(Math.max(0, offset - TARGETS_PAGE))}
              onNext={() => setOffset(offset + TARGETS_PAGE)}
            />
          )}
        </>
      )}
    </Loaded>
  );
}

/**
 * One service's targets: counts in the heading, its failing targets always listed (down first), the
 * healthy ones behind a toggle (collapsed unless the address names the service in `open`).
 */
const ServiceTargets = memoRow(
  function ServiceTargets({ s, q, open, onToggle }: { s: TargetServiceView; q: string; open: boolean; onToggle: (service: string) => void }) {
    const healthy = s.up + s.down - s.failing;
    const id = `targets-${encodeURIComponent(s.service)}`;
    return (
      <div class="target-service" data-service={s.service}>
        <h3>
          <a href={serviceHash(s.service)}>{s.service}</a>{' '}
          <span class="muted small" data-testid="target-counts">
            <span title={`${count(s.up)} up`}>{compactNumber(s.up)} up</span>
            {s.down > 0 && <span class="down-text" title={`${count(s.down)} down`}> · {compactNumber(s.down)} down</span>}
            {s.failing > s.down && <span class="warn-text"> · {compactNumber(s.failing - s.down)} failing</span>}
          </span>{' '}
          {healthy > 0 && (
            <button type="button" class="link-button" aria-expanded={open} aria-controls={id} onClick={() => onToggle(s.service)}>
              {open ? 'Hide healthy targets' : `Show ${count(healthy)} healthy targets`}
            </button>
          )}
        </h3>
        {s.failing_targets.length > 0 && <TargetTable items={s.failing_targets} testId="failing-targets" />}
        {s.failing > s.failing_targets.length && <p class="muted small">and {count(s.failing - s.failing_targets.length)} more failing targets: filter by URL, agent or error to find them.</p>}
        <div id={id}>{open && <HealthyTargets service={s.service} q={q} />}</div>
      </div>
    );
  },
  (a, b) => a.q === b.q && a.open === b.open && a.onToggle === b.onToggle && JSON.stringify(a.s) === JSON.stringify(b.s),
);

/** Targets grouped per service (services with failing targets first), filtered by `q` on the hub. */
export function TargetsByService({ q, open, onToggle }: { q: string; open: readonly string[]; onToggle: (service: string) => void }) {
  const summary = useResource((signal) => api.targetServices(q, signal), [q], { liveMatch: (m) => m.type === 'sources', minIntervalMs: 2000 });
  return (
    <Loaded data={summary.data} error={summary.error} what="targets">
      {(data) => (
        <div data-testid="targets">
          <p class="muted small" data-testid="targets-total">
            {count(data.total.up + data.total.down)} targets{q.trim() === '' ? '' : ' matching'} in {count(data.items.length)} services: {count(data.total.up)} up, {count(data.total.down)} down
            {data.total.failing > data.total.down ? `, ${count(data.total.failing - data.total.down)} up with errors` : ''}
          </p>
          {data.items.length === 0 && (q.trim() === '' ? <p class="empty">No scrape targets reported (agents report theirs after their first scrape).</p> : <p class="empty">No target matches “{q}”.</p>)}
          {data.items.map((s) => (
            <ServiceTargets key={s.service} s={s} q={q} open={open.includes(s.service)} onToggle={onToggle} />
          ))}
        </div>
      )}
    </Loaded>
  );
}
