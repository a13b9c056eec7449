import { memoRow } from '../components/memo.js';
import type { GroupBoundsView, SourceView } from '../../../common/api/v1.js';
import { Ago } from '../components/now.js';
import { compactNumber } from '../format/compact.js';
import { bytes, count } from '../format/numbers.js';
import { duration } from '../format/time.js';
import { Labels } from './source-breakdown.js';
import { GridTable, num } from '../components/grid-table.js';

/** Names in natural order: agent-2 before agent-10. */
const byName = new Intl.Collator('en', { numeric: true });

/** A connected source silent for longer than this is flagged. */
const LAG_WARN_MS = 60_000;

/** Sources whose name, kind, route, labels or version hold `q` (any case). */
export function filterSources(items: readonly SourceView[], q: string): SourceView[] {
  const needle = q.trim().toLowerCase();
  if (needle === '') return [...items];
  return items.filter((s) =>
    `${s.name} ${s.kind === 'hub' ? 'child hub' : 'agent'} ${s.via.join(' ')} ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(' ')} ${s.version}`.toLowerCase().includes(needle));
}

/** One source; re-rendered only when its figures changed. `lag_ms` moves every refresh, so it is left out of the comparison (Ago ticks by itself). */
/** What the refused count of a source means, naming the bounds that refuse (with their values when known). */
export function refusedTitle(refused: number, bounds: GroupBoundsView | undefined): string {
  const perSource = bounds?.per_source === null || bounds?.per_source === undefined ? '' : ` (${count(bounds.per_source)})`;
  const max = bounds?.max_groups === null || bounds?.max_groups === undefined ? '' : ` (${count(bounds.max_groups)})`;
  return `${count(refused)} new groups of this source refused since the hub started: over its share hub.limits.groupsPerSource${perSource}, or hub.max_groups${max} full of groups still occurring`;
}

const SourceRow = memoRow(
  function SourceRow({ s, bounds }: { s: SourceView; bounds: GroupBoundsView | undefined }) {
    const lagging = s.connected && s.lag_ms !== null && s.lag_ms > LAG_WARN_MS;
    const name = s.via.length > 0 ? `${s.name} (via ${s.via.join(' → ')})` : s.name;
    return (
      <tr data-source={s.name}>
        <td>
          <span class={`health ${s.connected ? (lagging ? 'health-warn' : 'health-up') : 'health-down'}`}>{s.connected ? 'connected' : 'disconnected'}</span>
        </td>
        <td title={`epoch ${s.epoch}${s.last_seq === null ? '' : `, last acknowledged seq ${s.last_seq}`}${(s.path ?? []).length > 0 ? `\npath: ${s.path.join(' → ')}` : ''}`}>{name}</td>
        <td>{s.kind === 'hub' ? 'child hub' : 'agent'}</td>
        <td>
          <Labels labels={s.labels} />
        </td>
        <td class={`num${lagging ? ' warn-text' : ''}`}>{s.connected ? duration(s.lag_ms) : '—'}</td>
        <td data-testid="source-last-message">
          <Ago iso={s.last_message_at} />
        </td>
        <td class="num" title={count(s.targets_up)}>
          {compactNumber(s.targets_up)}
        </td>
        <td class={`num${s.targets_down > 0 ? ' down-text' : ''}`} title={count(s.targets_down)}>
          {compactNumber(s.targets_down)}
        </td>
        <td class="num" data-testid="source-groups" title={`${count(s.groups)} groups this source brought into the hub${bounds?.per_source === null || bounds?.per_source === undefined ? '' : ` (its share: hub.limits.groupsPerSource, ${count(bounds.per_source)})`}`}>
          {s.via.length > 0 ? '—' : compactNumber(s.groups)}
        </td>
        <td class={`num${s.groups_refused > 0 ? ' refused' : ''}`} data-testid="source-groups-refused" title={s.groups_refused > 0 ? refusedTitle(s.groups_refused, bounds) : 'No group of this source was refused (hub.limits.groupsPerSource, hub.max_groups)'}>
          {s.via.length > 0 ? '—' : compactNumber(s.groups_refused)}
        </td>
        <td class="num" data-testid="source-messages" title={`${count(s.messages)} messages, ${bytes(s.bytes)} received over ${count(s.connections)} connections`}>
          {compactNumber(s.messages)}
        </td>
        <td class="muted small">{s.version}</td>
      </tr>
    );
  },
  (a, b) => a.bounds?.per_source === b.bounds?.per_source && a.bounds?.max_groups === b.bounds?.max_groups && JSON.stringify({ ...a.s, lag_ms: null }) === JSON.stringify({ ...b.s, lag_ms: null }),
);

/**
 * Agents and child hubs: connected ones first, those with down targets before the rest, then by
 * name (natural order). Last message and message counts are kept across hub restarts (in its snapshot).
 */
export function SourcesTable({ items, total, bounds }: { items: readonly SourceView[]; total: number; bounds?: GroupBoundsView }) {
  if (total === 0) return <p class="empty">No agent or child hub has connected to this hub yet.</p>;
  if (items.length === 0) return <p class="empty">No agent or child hub matches the filter.</p>;
  const sorted = [...items].sort((a, b) => Number(b.connected) - Number(a.connected) || Number(b.targets_down > 0) - Number(a.targets_down > 0) || byName.compare(a.name, b.name));
  return (
    <GridTable
      testId="sources"
      columns={[
        'Status',
        'Name',
        'Kind',
        'Labels',
        num('Lag'),
        'Last message',
        num('Targets up'),
        num('Down'),
        num('Groups', 'Groups each source brought into the hub'),
        num('Refused', 'New groups refused by hub.limits.groupsPerSource or hub.max_groups'),
        num('Messages'),
        'Version',
      ]}
    >
      {sorted.map((s) => (
        <SourceRow key={`${s.via.join('\u0000')}\u0001${s.name}`} s={s} bounds={bounds} />
      ))}
    </GridTable>
  );
}
