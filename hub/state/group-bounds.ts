import type { HubGroup } from './group.js';
import type { LineageRegistry } from './lineages.js';

/** A group updated this recently is still occurring: `max_groups` never forgets it to make room. */
export const STILL_OCCURRING_MS = 15 * 60_000;

export interface GroupBoundsOptions {
  /** hub.max_groups: groups held at most. */
  readonly maxGroups: number;
  /** hub.limits.max_groups_per_source: groups one source may bring in (it created them). */
  readonly maxGroupsPerSource: number;
}

/** Why a new group was not created (a metric label). */
export type GroupRefusal = 'max_groups' | 'source_limit';

/** What the bounds decided about a group a source wants to create. */
export type Admission =
  | { readonly admitted: true; /** The least recently seen group to forget first, to make room. */ readonly evict?: HubGroup }
  | { readonly admitted: false; readonly reason: GroupRefusal };

/**
 * The hub's bounds on groups (hub.retention, hub.max_groups, per-source limit). Keeps every group in
 * order of its last change (a Map re-inserted on each change: O(1), oldest first), so retention and
 * eviction look at the oldest groups only, and counts the groups each source brought in.
 * Owned by HubState; lives as long as the process.
 */
export class GroupBounds {
  private readonly recency = new Map<HubGroup, string | undefined>();
  private readonly perSource = new Map<string, number>();
  /** New groups refused, by reason, since start. */
  readonly refused: Record<GroupRefusal, number> = { max_groups: 0, source_limit: 0 };
  /** Groups forgotten, by reason, since start. */
  readonly forgotten = { retention: 0, max_groups: 0 };

  constructor(readonly options: GroupBoundsOptions) {}

  /** May `source` create one more group now? Counts a refusal. */
  admit(source: string | undefined, now: number): Admission {
    if (source !== undefined && (this.perSource.get(source) ?? 0) >= this.options.maxGroupsPerSource) {
      this.refused.source_limit++;
      return { admitted: false, reason: 'source_limit' };
    }
    if (this.recency.size < this.options.maxGroups) return { admitted: true };
    const oldest = this.oldest();
    if (oldest === undefined || oldest.updatedAt > now - STILL_OCCURRING_MS) {
      this.refused.max_groups++;
      return { admitted: false, reason: 'max_groups' };
    }
    return { admitted: true, evict: oldest };
  }

  /** A group was created (by `source`, undefined for one created by a user action). */
  added(group: HubGroup, source: string | undefined): void {
    this.recency.set(group, source);
    if (source !== undefined) this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
  }

  /** The group changed: it becomes the most recently seen. */
  touched(group: HubGroup): void {
    const source = this.recency.get(group);
    this.recency.delete(group);
    this.recency.set(group, source);
  }

  /** The group is gone. */
  removed(group: HubGroup): void {
    if (!this.recency.has(group)) return;
    const source = this.recency.get(group);
    this.recency.delete(group);
    if (source === undefined) return;
    const n = (this.perSource.get(source) ?? 1) - 1;
    if (n === 0) this.perSource.delete(source);
    else this.perSource.set(source, n);
  }

  oldest(): HubGroup | undefined {
    return this.recency.keys().next().value;
  }

  /** Groups not changed since `cutoff`, oldest first (read before removing them). */
  *idleSince(cutoff: number): Generator<HubGroup> {
    for (const group of this.recency.keys()) {
      if (group.updatedAt >= cutoff) return;
      yield group;
    }
  }

  /** Groups brought in by `source`. */
  groupsOf(source: string): number {
    return this.perSource.get(source) ?? 0;
  }

  /**
   * After a snapshot load: orders every group by its last change and charges each to the source its
   * first lineage came through (the last hop of its path, or the agent itself).
   */
  rebuild(groups: Iterable<HubGroup>, lineages: LineageRegistry): void {
    this.recency.clear();
    this.perSource.clear();
    const sorted = [...groups].sort((a, b) => a.updatedAt - b.updatedAt);
    for (const group of sorted) {
      const first = group.counts.keys().next().value;
      const lineage = first === undefined ? undefined : lineages.get(first);
      this.added(group, lineage === undefined ? undefined : (lineage.via.at(-1) ?? lineage.name));
    }
  }
}
