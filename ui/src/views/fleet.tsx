import { useCallback, useEffect, useRef } from 'preact/hooks';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { FilterBox } from '../components/filter-box.js';
import { Loaded } from '../components/load-state.js';
import { count } from '../format/numbers.js';
import type { FleetState } from '../routing/list-state.js';
import { navigate } from '../routing/use-route.js';
import { GroupBoundsSummary } from './fleet-bounds.js';
import { OtlpIntakeTable } from './fleet-intake.js';
import { PeersSection } from './fleet-peers.js';
import { filterSources, SourcesTable } from './fleet-sources.js';
import { TargetsByService } from './fleet-targets.js';

/**
 * `#/targets` (Periskop's link) and the fleet: the hub's peers (when it has any), agents and child hubs
 * with their target and group counts and the hub's group bounds, what agents' OTLP intakes did, then
 * scrape targets per service (failing ones always shown, healthy ones paged on demand). One
 * filter for both; the filter and the expanded services are kept in the address.
 */
export function FleetView({ fleet }: { fleet: FleetState }) {
  const sources = useResource((signal) => api.sources(signal), [], { liveMatch: (m) => m.type === 'sources', minIntervalMs: 2000 });
  useEffect(() => {
    document.title = 'Fleet · Crowsnest';
  }, []);
  const current = useRef(fleet);
  current.current = fleet;
  const onToggle = useCallback((service: string) => {
    const f = current.current;
    const open = f.open.includes(service) ? f.open.filter((s) => s !== service) : [...f.open, service];
    navigate({ view: 'fleet', fleet: { ...f, open } }, { replace: true });
  }, []);
  const shown = sources.data === undefined ? [] : filterSources(sources.data.items, fleet.q);
  return (
    <section>
      <header class="page-head">
        <h1>Fleet</h1>
      </header>
      <div class="list-tools">
        <FilterBox
          value={fleet.q}
          onChange={(q) => navigate({ view: 'fleet', fleet: { ...current.current, q } }, { replace: true })}
          label="Filter the fleet"
          placeholder="Filter agents, hubs and targets by name, label, service, URL or error…"
          delayMs={0}
          testId="fleet-filter"
        />
      </div>
      <PeersSection />
      <h2>
        Agents and child hubs{' '}
        {sources.data !== undefined && (
          <span class="muted small" data-testid="sources-shown">
            {shown.length === sources.data.items.length ? count(shown.length) : `${count(shown.length)} of ${count(sources.data.items.length)}`}
          </span>
        )}
      </h2>
      <Loaded data={sources.data} error={sources.error} what="sources">
        {(data) => (
          <>
            {data.groups !== undefined && <GroupBoundsSummary bounds={data.groups} />}
            <SourcesTable items={shown} total={data.items.length} bounds={data.groups} />
            <OtlpIntakeTable items={shown} />
          </>
        )}
      </Loaded>
      <h2 data-testid="targets-heading">Targets</h2>
      <TargetsByService q={fleet.q} open={fleet.open} onToggle={onToggle} />
    </section>
  );
}
