import type { TagBreakdown } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';
import { When } from '../components/now.js';
import { GridTable, num } from '../components/grid-table.js';

/** True when the group has a breakdown to show (Periskop clients send no release or environment). */
export function hasTags(b: TagBreakdown | null | undefined): boolean {
  return b !== null && b !== undefined && ((Array.isArray(b.items) && b.items.length > 0) || b.other !== null);
}

/**
 * A group's occurrences by environment or release: one row per value, then the values past the
 * hub's bound summed as "other values". Names are text (escaped by the renderer).
 */
export function TagTable({ breakdown, what, testId }: { breakdown: TagBreakdown; what: string; testId: string }) {
  const items = Array.isArray(breakdown.items) ? breakdown.items : [];
  return (
    <GridTable testId={testId} columns={[what, num('Count'), 'First seen', 'Last seen']}>
      {items.map((t) => (
        <tr key={t.name}>
          <td class="tag-name">{t.name}</td>
          <td class="num">{count(t.count)}</td>
          <td>
            <When iso={t.first_seen} />
          </td>
          <td>
            <When iso={t.last_seen} />
          </td>
        </tr>
      ))}
      {breakdown.other !== null && (
        <tr key="\u0000other">
          <td class="muted" title="Values past the number kept per error">other values</td>
          <td class="num">{count(breakdown.other.count)}</td>
          <td>
            <When iso={breakdown.other.first_seen} />
          </td>
          <td>
            <When iso={breakdown.other.last_seen} />
          </td>
        </tr>
      )}
    </GridTable>
  );
}
