import type { SourceGroup } from '../../common/federation/link-source.js';
import type { WireTag } from '../../common/federation/messages.js';
import { mergeTagEntry, type TagTally } from '../../common/merge/tags.js';

/** A group's breakdown by one tag at a hub: per lineage (a hub lineage id), that lineage's cumulative tally. */
export type LineageTallies = Map<number, TagTally>;

/** The part of a HubGroup this file works on. */
export interface TaggedGroup {
  environments?: LineageTallies;
  releases?: LineageTallies;
}

/** What merging an update's breakdowns did. */
export interface TagMergeOutcome {
  readonly changed: boolean;
  /** Values refused past the per-lineage bound (a source that does not bound them). */
  readonly refused: number;
}

/**
 * Merges the environment and release breakdowns of one group update (DESIGN section 4: per lineage,
 * per value, max of the cumulative count), so a replay or a re-sync changes nothing. `lineageIds`
 * maps the message's refs to this hub's lineage ids (an unknown ref is ignored, as for counts).
 * Example: held {A: {prod: 4}}, update [(A, prod, 6), (A, staging, 1)] -> {A: {prod: 6, staging: 1}}.
 */
export function mergeGroupTags(group: TaggedGroup, update: Pick<SourceGroup, 'environments' | 'releases'>, lineageIds: (ref: number) => number | undefined): TagMergeOutcome {
  let changed = false;
  let refused = 0;
  const merge = (incoming: readonly WireTag[] | undefined, held: () => LineageTallies): void => {
    if (incoming === undefined) return;
    for (const [ref, value, count, first, last] of incoming) {
      const id = lineageIds(ref);
      if (id === undefined) continue;
      const tallies = held();
      let tally = tallies.get(id);
      if (tally === undefined) tallies.set(id, (tally = new Map()));
      const r = mergeTagEntry(tally, value, count, first, last);
      if (r === 'changed') changed = true;
      else if (r === 'refused') refused++;
    }
  };
  merge(update.environments, () => (group.environments ??= new Map()));
  merge(update.releases, () => (group.releases ??= new Map()));
  return { changed, refused };
}

/** A breakdown on the wire, each lineage id turned into the connection's ref; undefined when empty. */
export function wireTallies(tallies: LineageTallies | undefined, refFor: (id: number) => number): WireTag[] | undefined {
  if (tallies === undefined) return undefined;
  const out: WireTag[] = [];
  for (const [id, tally] of tallies) {
    const ref = refFor(id);
    for (const [value, e] of tally) out.push([ref, value, e.count, e.first, e.last]);
  }
  return out.length === 0 ? undefined : out;
}
