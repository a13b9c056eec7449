import type { SourceGroup } from '../../common/federation/link-source.js';
import type { WireTag } from '../../common/federation/messages.js';
import { mergeTagEntry, type TagTally } from '../../common/merge/tags.js';

/** A group's breakdown by one tag at a hub: per lineage (a hub lineage id), that lineage's cumulative tally. */
export type LineageTallies = Map<number, TagTally>;

/** The part of a HubGroup this file works on. */
export interface TaggedGroup {
  environments?: LineageTallies | undefined;
  releases?: LineageTallies | undefined;
  /** Cache of tagIndex(); undefined until built after the last change of the breakdowns. */
  tagIndex?: string | undefined;
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
  if (changed) group.tagIndex = undefined;
  return { changed, refused };
}

/**
 * Every environment and release the group has occurrences in, as one string
 * ("\0e:production\0r:2.1.0\0"), built on first use after a change: a filter over 100,000 groups reads
 * one string per group instead of walking nested maps.
 */
function tagIndex(group: TaggedGroup): string {
  if (group.tagIndex !== undefined) return group.tagIndex;
  const names = new Set<string>();
  for (const [prefix, tallies] of [['e', group.environments], ['r', group.releases]] as const) {
    for (const tally of tallies?.values() ?? []) for (const [value, e] of tally) if (e.count > 0 && value !== '') names.add(`${prefix}:${value}`);
  }
  return (group.tagIndex = names.size === 0 ? '' : `\0${[...names].join('\0')}\0`);
}

/** True when the group has occurrences in environment (`e`) or release (`r`) `value` (the list filters). */
export function hasTagValue(group: TaggedGroup, tag: 'e' | 'r', value: string): boolean {
  if (group.environments === undefined && group.releases === undefined) return false;
  return tagIndex(group).includes(`\0${tag}:${value}\0`);
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
