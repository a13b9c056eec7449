import type { GroupBoundsView, SourceView } from '../../../../common/api/v1.js';
import type { HubState } from '../../../state/hub-state.js';
import type { WireSourceStatus, WireTarget } from '../../../../common/federation/messages.js';
import type { Source } from '../../../state/sources.js';
import { iso } from '../present.js';

function upDown(targets: Iterable<WireTarget>, keep: (t: WireTarget) => boolean = () => true): { up: number; down: number } {
  let up = 0;
  let down = 0;
  for (const t of targets) {
    if (!keep(t)) continue;
    if (t.up) up++;
    else down++;
  }
  return { up, down };
}

/** A source connected to this hub; `lag_ms` is the time since its last message, `groups` its share of the hub's groups. */
export function toSourceView(s: Source, now: number, groups = 0): SourceView {
  const { up, down } = upDown(s.targets.values());
  return {
    name: s.name,
    kind: s.kind,
    via: [],
    connected: s.connected,
    labels: s.labels,
    epoch: s.lastEpoch,
    last_seq: s.ackedSeqs.get(s.lastEpoch) ?? null,
    connected_at: iso(s.connectedAt),
    last_message_at: iso(s.lastMessageAt),
    lag_ms: s.lastMessageAt > 0 ? Math.max(0, now - s.lastMessageAt) : null,
    targets_up: up,
    targets_down: down,
    messages: s.messagesIn,
    bytes: s.bytesIn,
    connections: s.connections,
    anomalies: s.anomalies,
    groups,
    groups_refused: s.groupsRefused,
    path: s.path,
    version: s.version,
    otlp: s.intake?.otlp ?? null,
  };
}

const bound = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** The hub's group bounds and their figures since start (unbounded limits as null). */
export function groupBoundsView(state: HubState): GroupBoundsView {
  const b = state.bounds;
  return {
    held: state.stats().groups, max_groups: bound(b.options.maxGroups), per_source: bound(b.options.maxGroupsPerSource), retention_ms: state.retentionMs,
    forgotten: { ...b.forgotten }, refused: { ...b.refused },
  };
}

/**
 * The sources a child hub reports below it, as seen from here: the route starts with the child hub,
 * nearest this hub first. Target counts come from the health the child hub forwards: an agent's own
 * targets, or for a hub every target of the agents below it.
 */
export function indirectSourceViews(child: Source, now: number): SourceView[] {
  const routeOf = (c: WireSourceStatus) => [child.name, ...[...c.via].reverse()];
  const agentsBelow = new Map<string, Set<string>>();
  for (const c of child.children) {
    if (c.kind !== 'agent') continue;
    for (const hub of c.via) {
      let set = agentsBelow.get(hub);
      if (set === undefined) agentsBelow.set(hub, (set = new Set()));
      set.add(c.name);
    }
  }
  return child.children.map((c) => {
    const below = agentsBelow.get(c.name);
    const { up, down } = upDown(child.targets.values(), c.kind === 'agent' ? (t) => t.agent === c.name : (t) => below?.has(t.agent) === true);
    return {
      name: c.name, kind: c.kind, via: routeOf(c), connected: c.connected, labels: c.labels, epoch: c.epoch, last_seq: null, connected_at: null,
      last_message_at: iso(c.last_message_at), lag_ms: c.last_message_at > 0 ? Math.max(0, now - c.last_message_at) : null,
      targets_up: up, targets_down: down, messages: 0, bytes: 0, connections: 0, anomalies: 0, groups: 0, groups_refused: 0, path: [], version: '', otlp: c.otlp ?? null,
    };
  });
}
