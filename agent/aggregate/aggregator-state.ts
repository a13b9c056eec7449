import { z } from 'zod';
import { OccurrenceSchema } from '../../common/occurrence.js';
import { CountSchema, MsSchema } from '../../common/schema/scalars.js';
import { SeveritySchema } from '../../common/severity.js';
import { SavedTallySchema } from './group-tags.js';

const KeyCounts = z.array(z.tuple([z.string(), CountSchema]));

/** One forgotten origin's last counts (see origin-tombstones.ts). */
export const SavedOriginTombstoneSchema = z.object({
  service: z.string(),
  id: z.string(),
  forgottenAt: MsSchema,
  last: KeyCounts,
});
export type SavedOriginTombstone = z.infer<typeof SavedOriginTombstoneSchema>;

/**
 * What the aggregator saves to resume exactly (the agent's state_dir, agent/state): the only
 * definition of that part of `agent.state`. Fields added later are optional, so older files load.
 */
export const AggregatorStateSchema = z.object({
  /** The start mode when saved (absent in files written before it was saved): 'pending' must survive a restart. */
  startMode: z.enum(['exact', 'first-start', 'restart', 'pending']).optional(),
  services: z.array(z.object({
    name: z.string(),
    /** Least recently active first. */
    groups: z.array(z.object({
      key: z.string(),
      severity: SeveritySchema,
      createdAt: MsSchema,
      lastSeen: MsSchema,
      count: CountSchema,
      samples: z.array(OccurrenceSchema),
      /** Breakdowns by environment and release (absent in files written before them, and when empty). */
      environments: SavedTallySchema.optional(),
      releases: SavedTallySchema.optional(),
    })),
    origins: z.array(z.object({ id: z.string(), lastObservedAt: MsSchema, last: KeyCounts, baseline: KeyCounts.optional() })),
    /** Baselines of origins forgotten while pending. */
    heldBack: KeyCounts.optional(),
    /** Counts of evicted groups, oldest first (absent in files written before the group cap). */
    tombstones: KeyCounts.optional(),
  })),
  /** Last counts of forgotten origins, oldest first (absent in files written before them). */
  originTombstones: z.array(SavedOriginTombstoneSchema).optional(),
});
export type AggregatorState = z.infer<typeof AggregatorStateSchema>;
