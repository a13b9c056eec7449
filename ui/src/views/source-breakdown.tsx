import type { Contribution } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';
import { GridTable, num } from '../components/grid-table.js';

/** Who reported the error: agents (with region and other labels) and the child hubs they came through. */
export function SourceBreakdown({ sources }: { sources: readonly Contribution[] }) {
  const list = Array.isArray(sources) ? sources : [];
  if (list.length === 0) return <p class="muted">No per-source counts.</p>;
  const sum = Math.max(1, list.reduce((s, c) => s + (Number.isFinite(c.count) ? c.count : 0), 0));
  return (
    <GridTable testId="sources-breakdown" columns={['Agent', 'Labels', 'Through hub', num('Count'), 'Share']}>
      {list.map((c) => {
        const share = (100 * (Number.isFinite(c.count) ? c.count : 0)) / sum;
        return (
          <tr key={`${c.agent}\u0000${(c.via ?? []).join('\u0000')}`}>
            <td>
              {c.agent}
              {c.lineages > 1 && (
                <span class="muted small" title="Each restart of the agent without its state_dir starts a new lineage">
                  {' '}
                  ({c.lineages} lineages)
                </span>
              )}
            </td>
            <td>
              <Labels labels={c.labels} />
            </td>
            <td>{(c.via ?? []).length === 0 ? <span class="muted">direct</span> : (c.via ?? []).join(' ← ')}</td>
            <td class="num">{count(c.count)}</td>
            <td>
              <span class="share" title={`${share.toFixed(1)}%`}>
                <span class="share-bar" style={{ width: `${Math.max(1, Math.min(100, share))}%` }} />
              </span>{' '}
              <span class="muted small">{share.toFixed(share < 10 ? 1 : 0)}%</span>
            </td>
          </tr>
        );
      })}
    </GridTable>
  );
}

/** Labels as `name=value` chips. */
export function Labels({ labels }: { labels: Readonly<Record<string, string>> | null | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="labels">
      {entries.map(([k, v]) => (
        <span key={k} class="chip">
          {k}={String(v)}
        </span>
      ))}
    </span>
  );
}
