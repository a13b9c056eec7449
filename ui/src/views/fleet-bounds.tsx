import type { GroupBoundsView } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';

/** A retention as people say it: "90 days", "36 h", "45 min". */
export function retentionText(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  if (ms >= 2 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`;
  if (ms >= 2 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

/**
 * The hub's bounds on groups and what they did since it started: groups held of hub.max_groups, the
 * per-source share, retention, groups forgotten and new groups refused (highlighted when any).
 */
export function GroupBoundsSummary({ bounds }: { bounds: GroupBoundsView }) {
  const forgotten = bounds.forgotten.retention + bounds.forgotten.max_groups;
  const refused = bounds.refused.max_groups + bounds.refused.source_limit;
  return (
    <p class="summary small" data-testid="group-bounds">
      <span title="Groups the hub holds now, of hub.max_groups">
        <strong>{count(bounds.held)}</strong> groups{bounds.max_groups === null ? '' : ` of at most ${count(bounds.max_groups)}`}
      </span>
      {bounds.per_source !== null && <span title="hub.limits.groupsPerSource: groups one source may bring in">at most {count(bounds.per_source)} per source</span>}
      <span title="hub.retention: a group unchanged for longer is forgotten">retention {retentionText(bounds.retention_ms)}</span>
      <span data-testid="groups-forgotten" title={`Since the hub started: ${count(bounds.forgotten.retention)} unchanged past hub.retention, ${count(bounds.forgotten.max_groups)} least recently seen forgotten to stay within hub.max_groups`}>
        <strong>{count(forgotten)}</strong> forgotten ({count(bounds.forgotten.retention)} by retention, {count(bounds.forgotten.max_groups)} by max_groups)
      </span>
      <span
        data-testid="groups-refused"
        class={refused > 0 ? 'down-text' : undefined}
        title={`New groups not created since the hub started: ${count(bounds.refused.source_limit)} over a source's share (hub.limits.groupsPerSource), ${count(bounds.refused.max_groups)} with hub.max_groups full of groups still occurring`}
      >
        <strong class={refused > 0 ? 'down-text' : undefined}>{count(refused)}</strong> new groups refused
      </span>
    </p>
  );
}
