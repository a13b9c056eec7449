import type { InternTable, InternTableOptions } from '../../common/intern/intern-table.js';
import type { Limits } from '../../common/limits.js';
import type { TruncationNotes } from '../wire/client-payload.js';
import type { AgentGroup } from './group.js';
import type { GroupStore } from './group-store.js';
import type { OriginState } from './origin.js';
import type { OriginTombstoneOptions } from './origin-tombstones.js';
import type { StartMode } from './start-mode.js';

export interface AggregatorOptions {
  readonly samplesPerGroup: number;
  readonly limits: Limits;
  readonly startMode: StartMode;
  /** When the agent process started (ms); keys created after it always count fully. */
  readonly startedAt: number;
  /** First observations after this moment are never baselines (targets seen late are new). */
  readonly startupWindowMs: number;
  /** Called whenever a group's shipped state changed (count, samples, severity, dates). */
  readonly onChange: (group: AgentGroup) => void;
  /** Groups held per service (least recently active evicted past it); default 10,000. */
  readonly maxGroupsPerService?: number;
  /** Tombstones of evicted groups held per service; default 100,000. */
  readonly maxTombstonesPerService?: number;
  /** Called when a group is evicted by the cap (its count is kept in a tombstone). */
  readonly onEvict?: (group: AgentGroup) => void;
  /** Shared copies of repeated sample strings; default a table of its own (SAMPLE_INTERN_DEFAULTS). */
  readonly interner?: InternTable;
  /** Bounds of the last counts kept for forgotten origins (see OriginTombstones). */
  readonly originTombstones?: OriginTombstoneOptions;
}

export const AGGREGATOR_CAP_DEFAULTS = { maxGroupsPerService: 10_000, maxTombstonesPerService: 100_000 } as const;

/**
 * The agent's sample strings: every non-empty class, message, stack line, HTTP method and URL, shared
 * line by line, at most 200,000 strings / 64 MiB.
 */
export const SAMPLE_INTERN_DEFAULTS: InternTableOptions = { maxEntries: 200_000, maxBytes: 64 * 1024 * 1024, minLength: 1, stacks: false };

/**
 * How an origin's totals behave. `counter`: a Periskop client's cumulative counter (a smaller value is
 * a restart: last 5, next 3 counts 3). `max`: a total that may drop without a restart, as a legacy
 * Periskop server's sum over its current targets does when a target goes away: only growth above the
 * highest value seen counts (last 5, next 3, next 7 counts 2).
 */
export type CountSemantics = 'counter' | 'max';

/** What one observation changed, for metrics and tests. */
export interface ApplyResult {
  readonly increments: number;
  readonly newSamples: number;
  readonly invalidSamples: number;
  readonly resets: number;
  /** Sample fields cut at a limit while taking new samples, by reason. */
  readonly truncated: TruncationNotes;
}

/** One service's state sizes and cap figures. */
export interface ServiceStats {
  readonly service: string;
  readonly groups: number;
  readonly origins: number;
  readonly heldBack: number;
  readonly tombstones: number;
  readonly evictedGroups: number;
  readonly evictedTombstones: number;
  readonly restored: number;
}

/** One service inside the Aggregator. */
export interface ServiceState {
  /** Capped, least recently active evicted into tombstones (see GroupStore). */
  readonly groups: GroupStore;
  readonly origins: Map<string, OriginState>;
  /** Baselines of origins forgotten while the start was pending, per key; settled by resolveStart. */
  readonly heldBack: Map<string, number>;
}
