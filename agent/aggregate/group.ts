import type { Occurrence } from '../../common/occurrence.js';
import type { Severity } from '../../common/severity.js';
import type { TagTally } from '../../common/merge/tags.js';

/**
 * One error group as the agent holds it: the agent's own lineage count (the sum of every delta it
 * ever accepted for this key, so history survives target restarts) and its newest samples.
 * Owned by the Aggregator (its service's GroupStore); lives until the group cap evicts it as the least
 * recently active group of its service, leaving its count in a tombstone (see group-store.ts).
 */
export interface AgentGroup {
  readonly service: string;
  readonly key: string;
  severity: Severity;
  /** ms since epoch, 0 = unknown. */
  createdAt: number;
  lastSeen: number;
  /** Cumulative count of this agent's lineage. */
  count: number;
  /** Newest first, capped at samples_per_group. */
  samples: readonly Occurrence[];
  /** Cumulative occurrences of this lineage by environment and by release (group-tags.ts); absent while none had one. */
  environments?: TagTally;
  releases?: TagTally;
}
