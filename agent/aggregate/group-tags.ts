import { z } from 'zod';
import { CountSchema, MsSchema } from '../../common/schema/scalars.js';
import { countTag, type TagTally } from '../../common/merge/tags.js';
import { MAX_DATE_MS } from '../../common/time.js';
import type { AgentGroup } from './group.js';

/**
 * What an observation says about the release and environment of the occurrences it adds: `count` of
 * them carried this release and environment (either may be absent) and were seen at `at` (ms).
 * Only ways in that know them (Sentry, OTLP) give these; a Periskop payload has none.
 */
export interface TaggedCount {
  readonly environment: string | undefined;
  readonly release: string | undefined;
  readonly count: number;
  readonly at: number;
}

/**
 * Adds an observation's tagged occurrences to its group's breakdowns, never more than the `delta`
 * the group's count grew by (the counts per environment never sum past the total). Like the count,
 * each breakdown is this agent's lineage's cumulative figure: what the agent accepted, ever.
 * Example: delta 3, tagged [{production, 1.0, 2}, {staging, -, 2}] -> production 2, staging 1, 1.0: 2.
 */
export function countGroupTags(group: AgentGroup, tagged: readonly TaggedCount[], delta: number): void {
  let left = delta;
  for (const t of tagged) {
    const n = Math.min(t.count, left);
    if (n <= 0) break;
    left -= n;
    // Whole ms within the range of dates, as the wire's times are (an OTLP time in ns divides to a fraction).
    const at = Number.isFinite(t.at) ? Math.min(MAX_DATE_MS, Math.max(0, Math.floor(t.at))) : 0;
    if (t.environment !== undefined) countTag((group.environments ??= new Map()), t.environment, n, at);
    if (t.release !== undefined) countTag((group.releases ??= new Map()), t.release, n, at);
  }
}

/** A breakdown as saved in state_dir: [value, count, first, last]. */
export const SavedTallySchema = z.array(z.tuple([z.string(), CountSchema, MsSchema, MsSchema]));
export type SavedTally = z.infer<typeof SavedTallySchema>;

/** The group's breakdowns to save (absent when empty, as in files written before them). */
export function saveGroupTags(group: AgentGroup): { environments?: SavedTally; releases?: SavedTally } {
  const out: { environments?: SavedTally; releases?: SavedTally } = {};
  if (group.environments !== undefined) out.environments = saveTally(group.environments);
  if (group.releases !== undefined) out.releases = saveTally(group.releases);
  return out;
}

function saveTally(tally: TagTally): SavedTally {
  return [...tally].map(([value, e]) => [value, e.count, e.first, e.last]);
}

/** A saved breakdown back as a tally. */
export function loadTally(saved: SavedTally): TagTally {
  return new Map(saved.map(([value, count, first, last]) => [value, { count, first, last }]));
}

/** The wire form for the agent's own lineage (ref 0): [0, value, count, first, last]. */
export function wireTally(tally: TagTally | undefined): [number, string, number, number, number][] | undefined {
  if (tally === undefined || tally.size === 0) return undefined;
  return [...tally].map(([value, e]) => [0, value, e.count, e.first, e.last]);
}
