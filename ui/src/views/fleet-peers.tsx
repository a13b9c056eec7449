import type { PeersResponse } from '../../../common/api/v1.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { Loaded } from '../components/load-state.js';
import { memoRow } from '../components/memo.js';
import { Ago } from '../components/now.js';
import { count } from '../format/numbers.js';
import { duration } from '../format/time.js';
import { GridTable, num } from '../components/grid-table.js';

type PeerView = PeersResponse['items'][number];

/** A clock offset past this is flagged: the hybrid logical clock copes, but wall times shown will disagree. */
const OFFSET_WARN_MS = 5_000;
/** Replication lag past this is flagged (a change here took that long to be fsynced there). */
const LAG_WARN_MS = 2_000;

/** "+1.2 s" / "−850 ms": the peer's clock minus this hub's. */
export function signedDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return `${ms < 0 ? '−' : '+'}${duration(Math.abs(ms))}`;
}

const PeerRow = memoRow(
  function PeerRow({ p }: { p: PeerView }) {
    const offsetOff = Math.abs(p.clock_offset_ms) > OFFSET_WARN_MS;
    return (
      <tr data-peer={p.url}>
        <td>
          <span class={`health ${p.connected ? 'health-up' : 'health-down'}`} data-testid="peer-state">
            {p.connected ? 'connected' : 'disconnected'}
          </span>
          {p.since !== null && (
            <span class="muted small" data-testid="peer-since">
              {' '}
              since <Ago iso={p.since} />
            </span>
          )}
        </td>
        <td>
          <span data-testid="peer-id">{p.hub_id ?? <span class="muted">not yet known</span>}</span>
          <div class="url muted small">{p.url}</div>
        </td>
        <td title="Whether the peer's own link into this hub is up (each peer dials the other)">{p.inbound ? 'yes' : <span class="muted">no</span>}</td>
        <td class={`num${p.lag_ms > LAG_WARN_MS ? ' warn-text' : ''}`} data-testid="peer-lag" title="From a change here to the peer's fsynced acknowledgement, last measured">
          {p.last_exchange === null ? '—' : duration(p.lag_ms)}
        </td>
        <td class={`num${p.pending > 0 ? ' warn-text' : ''}`} title={`${count(p.pending)} changes made here that the peer has not acknowledged`}>
          {count(p.pending)}
        </td>
        <td data-testid="peer-last-exchange">
          <Ago iso={p.last_exchange} />
        </td>
        <td class={`num${offsetOff ? ' warn-text' : ''}`} data-testid="peer-offset" title="The peer's clock minus this hub's, measured when the link connected">
          {p.hub_id === null ? '—' : signedDuration(p.clock_offset_ms)}
        </td>
        <td class="num">{count(p.reconnects)}</td>
        <td class="last-error" data-testid="peer-last-error">{p.last_error === '' ? <span class="muted">—</span> : p.last_error}</td>
      </tr>
    );
  },
  (a, b) => JSON.stringify(a.p) === JSON.stringify(b.p),
);

/**
 * The hub's peers (`hub.peers`, an HA pair or more): how replication of user state and the alert log
 * stands with each. Nothing is shown on a hub without peers. Refreshed by the `peers` live event.
 */
export function PeersSection() {
  const peers = useResource((signal) => api.peers(signal), [], { liveMatch: (m) => m.type === 'peers', minIntervalMs: 2000 });
  if (peers.data !== undefined && peers.data.items.length === 0) return null;
  return (
    <>
      <h2 data-testid="peers-heading">Peers</h2>
      <Loaded data={peers.data} error={peers.error} what="peers">
        {(data) => (
          <>
            <p class="muted small" data-testid="peers-summary">
              This hub is <strong>{data.hub_id}</strong>: {count(data.register_entries)} resolves and unresolves in its replicated register,{' '}
              {count(data.held_back)} notifications held back because a peer delivered them.
            </p>
            <GridTable testId="peers" columns={['Status', 'Peer', 'Dialled in', num('Lag'), num('Pending'), 'Last exchange', num('Clock offset'), num('Reconnects'), 'Last error']}>
              {data.items.map((p) => (
                <PeerRow key={p.url} p={p} />
              ))}
            </GridTable>
          </>
        )}
      </Loaded>
    </>
  );
}
