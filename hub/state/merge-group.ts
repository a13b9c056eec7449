import { minCreatedAt } from '../../common/merge/group-fields.js';
import { mergeLineageCount } from './lineage-counts.js';
import { mergeSamples } from '../../common/merge/samples.js';
import type { SourceGroup } from '../../common/federation/link-source.js';
import type { Occurrence } from '../../common/occurrence.js';
import { SEVERITIES, type Severity } from '../../common/severity.js';
import type { HubGroup } from './group.js';
import { mergeGroupTags } from './group-tags.js';

const NONE: readonly Occurrence[] = Object.freeze([]);

const moreSevere = (a: Severity, b: Severity): boolean => SEVERITIES.indexOf(a) > SEVERITIES.indexOf(b);

/** What merging one wire group into a held group did. */
export interface MergeOutcome {
  /** How much the total grew. */
  readonly grew: number;
  readonly newSamples: number;
  /** The samples this update added (empty when none), newest first. */
  readonly added: readonly Occurrence[];
  /** The group was resolved and this update brought it back. */
  readonly regressed: boolean;
  /** Anything visible changed (count, samples, severity, dates). */
  readonly changed: boolean;
  /** Incoming per-lineage values lower than held ones (a replay, or a source going backwards). */
  readonly ignoredLower: number;
}

/**
 * Merges one group update into a held group (DESIGN section 3): per-lineage max of counts, min of
 * created_at, max of last_seen with the newest severity, sample union. Idempotent: the same update
 * twice changes nothing the second time. `lineageIds` maps the message's lineage refs to this hub's
 * lineage ids (undefined ref: that pair is ignored). Pure apart from mutating `group`.
 *
 * Example: held {A: 10}, total 10; update {A: 12, B: 3} -> {A: 12, B: 3}, total 15, grew 5.
 */
export function mergeGroup(group: HubGroup, update: SourceGroup, lineageIds: (ref: number) => number | undefined, samplesCap: number, now: number): MergeOutcome {
  let grew = 0;
  let ignoredLower = 0;
  for (const [ref, count] of update.counts) {
    const id = lineageIds(ref);
    if (id === undefined) continue;
    const d = mergeLineageCount(group.counts, id, count);
    if (d === 0 && count < (group.counts.get(id) ?? 0)) ignoredLower++;
    grew += d;
  }
  group.total += grew;
  let changed = grew > 0;
  if ((update.environments !== undefined || update.releases !== undefined) && mergeGroupTags(group, update, lineageIds).changed) changed = true;
  const createdAt = minCreatedAt(group.createdAt, update.created_at);
  if (createdAt !== group.createdAt) {
    group.createdAt = createdAt;
    changed = true;
  }
  if (update.last_seen > group.lastSeen) {
    group.lastSeen = update.last_seen;
    group.severity = update.severity;
    changed = true;
  } else if (update.last_seen === group.lastSeen && moreSevere(update.severity, group.severity)) {
    // A tie is settled by severity, so the result does not depend on arrival order.
    group.severity = update.severity;
    changed = true;
  }
  const before = group.samples;
  let newSamples = 0;
  let newestNew = 0;
  let added: Occurrence[] | undefined;
  if (update.samples.length > 0) {
    group.samples = mergeSamples(before, update.samples, samplesCap);
    if (group.samples !== before) {
      // What the merge added came from the update (a few samples), not from the held list: look for
      // the update's samples in the result instead of each result sample in the held list.
      for (const s of group.samples) {
        if (!update.samples.includes(s) || before.includes(s)) continue;
        newSamples++;
        (added ??= []).push(s);
        newestNew = Math.max(newestNew, s.timestamp);
      }
      changed = true;
    }
  }
  let regressed = false;
  const r = group.resolution;
  if (r !== null && (group.total > r.total || newestNew > r.at)) {
    group.resolution = null;
    group.regressedAt = now;
    regressed = true;
  }
  if (changed) group.updatedAt = now;
  return { grew, newSamples, added: added ?? NONE, regressed, changed, ignoredLower };
}
