import { useEffect, useState } from 'preact/hooks';
import type { SourceView, TargetView } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { Ago } from '../components/now.js';
import { bytes, count } from '../format/numbers.js';
import { duration } from '../format/time.js';
import { serviceHash } from '../routing/routes.js';
import { Labels } from './source-breakdown.js';

/** Targets listed per service before "show all" (down ones come first). */
const TARGETS_SHOWN = 100;
/** A connected source silent for longer than this is flagged. */
const LAG_WARN_MS = 60_000;

/** `#/targets` (Periskop's link) and the fleet: agents and child hubs, then scrape targets per service. */
export function FleetView() {
  const sources = useResource((signal) => api.sources(signal), [], { liveMatch: (m) => m.type === 'sources', minIntervalMs: 2000 });
  const targets = useResource((signal) => api.targets(signal), [], { liveMatch: (m) => m.type === 'sources', minIntervalMs: 2000 });
  useEffect(() => {
    document.title = 'Fleet · Crowsnest';
  }, []);
  return (
    <section>
      <header class="page-head">
        <h1>Fleet</h1>
      </header>
      <h2>Agents and child hubs</h2>
      <Loaded data={sources.data} error={sources.error} what="sources">
        {(data) => <SourcesTable items={data.items} />}
      </Loaded>
      <h2>Targets</h2>
      <Loaded data={targets.data} error={targets.error} what="targets">
        {(data) => <TargetsByService items={data.items} />}
      </Loaded>
    </section>
  );
}

function SourcesTable({ items }: { items: readonly SourceView[] }) {
  if (items.length === 0) return <p class="empty">No agent or child hub has connected to this hub yet.</p>;
  const sorted = [...items].sort((a, b) => Number(b.connected) - Number(a.connected) || (a.name < b.name ? -1 : 1));
  return (
    <table class="grid" data-testid="sources">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Labels</th>
          <th scope="col" class="num">Lag</th>
          <th scope="col">Last message</th>
          <th scope="col" class="num">Targets up</th>
          <th scope="col" class="num">Down</th>
          <th scope="col" class="num">Messages</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((s) => {
          const lagging = s.connected && s.lag_ms !== null && s.lag_ms > LAG_WARN_MS;
          return (
            <tr key={s.name} data-source={s.name}>
              <td>
                <span class={`health ${s.connected ? (lagging ? 'health-warn' : 'health-up') : 'health-down'}`}>{s.connected ? 'connected' : 'disconnected'}</span>
              </td>
              <td title={`epoch ${s.epoch}${s.last_seq === null ? '' : `, last acknowledged seq ${s.last_seq}`}${(s.path ?? []).length > 0 ? `\npath: ${s.path.join(' → ')}` : ''}`}>{s.name}</td>
              <td>{s.kind === 'hub' ? 'child hub' : 'agent'}</td>
              <td>
                <Labels labels={s.labels} />
              </td>
              <td class={`num${lagging ? ' warn-text' : ''}`}>{duration(s.lag_ms)}</td>
              <td>
                <Ago iso={s.last_message_at} />
              </td>
              <td class="num">{count(s.targets_up)}</td>
              <td class={`num${s.targets_down > 0 ? ' down-text' : ''}`}>{count(s.targets_down)}</td>
              <td class="num" title={`${bytes(s.bytes)} received over ${count(s.connections)} connections`}>
                {count(s.messages)}
              </td>
              <td class="muted small">{s.version}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function TargetsByService({ items }: { items: readonly TargetView[] }) {
  const [filter, setFilter] = useState('');
  if (items.length === 0) return <p class="empty">No scrape targets reported (agents report theirs after their first scrape).</p>;
  const f = filter.trim().toLowerCase();
  const byService = new Map<string, TargetView[]>();
  for (const t of items) {
    if (f !== '' && !`${t.service} ${t.url} ${t.agent} ${t.last_error}`.toLowerCase().includes(f)) continue;
    let list = byService.get(t.service);
    if (list === undefined) byService.set(t.service, (list = []));
    list.push(t);
  }
  const services = [...byService.keys()].sort();
  return (
    <div data-testid="targets">
      <input
        type="search"
        class="search"
        placeholder="Filter targets by service, URL, agent or error…  ( / )"
        aria-label="Filter targets"
        data-search-focus=""
        value={filter}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      {services.length === 0 && <p class="empty">No target matches “{filter}”.</p>}
      {services.map((s) => (
        <ServiceTargets key={s} service={s} targets={byService.get(s) ?? []} />
      ))}
    </div>
  );
}

function ServiceTargets({ service, targets }: { service: string; targets: readonly TargetView[] }) {
  const [all, setAll] = useState(false);
  const down = targets.filter((t) => !t.up).length;
  const sorted = [...targets].sort((a, b) => Number(a.up) - Number(b.up) || (a.url < b.url ? -1 : 1));
  const shown = all ? sorted : sorted.slice(0, TARGETS_SHOWN);
  return (
    <div class="target-service" data-service={service}>
      <h3>
        <a href={serviceHash(service)}>{service}</a>{' '}
        <span class="muted small">
          {count(targets.length - down)} up{down > 0 && <span class="down-text"> · {count(down)} down</span>}
        </span>
      </h3>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">Health</th>
            <th scope="col">Target</th>
            <th scope="col">Agent</th>
            <th scope="col">Last scrape</th>
            <th scope="col" class="num">Duration</th>
            <th scope="col" class="num">Size</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((t) => (
            <tr key={`${t.agent}\u0000${t.url}`}>
              <td>
                <span class={`health ${t.up ? 'health-up' : 'health-down'}`}>{t.up ? 'up' : 'down'}</span>
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
          ))}
        </tbody>
      </table>
      {sorted.length > TARGETS_SHOWN && (
        <button type="button" class="link-button" onClick={() => setAll(!all)}>
          {all ? `Show the first ${TARGETS_SHOWN}` : `Show all ${count(sorted.length)} targets`}
        </button>
      )}
    </div>
  );
}
