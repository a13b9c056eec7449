import { z } from 'zod';
import { OtlpIntakeSchema } from '../federation/intake.js';

export type { OtlpIntake } from '../federation/intake.js';

/**
 * API v1, the fleet part (re-exported by v1.ts, where the routes are listed): agents and child hubs
 * feeding this hub, and the scrape targets they report.
 */

const Iso = z.string().nullable();

/**
 * An agent or hub feeding this hub: connected directly (`via` empty), or reported by a child hub
 * (`via`: the child hubs it is reached through, nearest this hub first). `last_seq`, `connected_at`,
 * `messages`, `bytes`, `connections`, `anomalies`, `groups`, `groups_refused`, `path` and `version` are known for direct sources
 * only (null, 0 or empty otherwise). Direct sources first, then by route and name.
 */
export const SourceSchema = z.object({
  name: z.string(),
  kind: z.enum(['agent', 'hub']),
  via: z.array(z.string()),
  connected: z.boolean(),
  labels: z.record(z.string(), z.string()),
  epoch: z.string(),
  last_seq: z.number().nullable(),
  connected_at: Iso,
  last_message_at: Iso,
  /** ms since the last message (null when never). */
  lag_ms: z.number().nullable(),
  targets_up: z.number().int(),
  targets_down: z.number().int(),
  messages: z.number().int(),
  bytes: z.number().int(),
  connections: z.number().int(),
  anomalies: z.number().int(),
  /** Groups this source brought into the hub (its share of hub.limits.groupsPerSource). */
  groups: z.number().int(),
  /** New groups of this source refused by the hub's bounds (hub.max_groups, the per-source limit), since start. */
  groups_refused: z.number().int(),
  path: z.array(z.string()),
  version: z.string(),
  /** An agent's OTLP intake (`agent.otlp`) as it last reported it, cumulative since it started; null when it runs none (or is too old to report it). */
  otlp: OtlpIntakeSchema.nullable(),
});
export type SourceView = z.infer<typeof SourceSchema>;

/**
 * The hub's bounds on groups and what they did since it started: groups held against `hub.max_groups`,
 * the per-source share (`hub.limits.groupsPerSource`; null: unbounded), `hub.retention`, groups
 * forgotten (unchanged past retention, or least recently seen over max_groups) and new groups refused.
 */
export const GroupBoundsSchema = z.object({
  held: z.number().int(),
  max_groups: z.number().int().nullable(),
  per_source: z.number().int().nullable(),
  retention_ms: z.number(),
  forgotten: z.object({ retention: z.number().int(), max_groups: z.number().int() }),
  refused: z.object({ max_groups: z.number().int(), source_limit: z.number().int() }),
});
export type GroupBoundsView = z.infer<typeof GroupBoundsSchema>;
/** `GET /api/v1/sources`: the sources, and the hub's group bounds (`groups`). */
export const SourcesResponseSchema = z.object({ items: z.array(SourceSchema), groups: GroupBoundsSchema });
export type SourcesResponse = z.infer<typeof SourcesResponseSchema>;

export const TargetSchema = z.object({
  service: z.string(),
  url: z.string(),
  agent: z.string(),
  up: z.boolean(),
  last_error: z.string(),
  last_scrape: Iso,
  duration_ms: z.number(),
  bytes: z.number(),
});
export type TargetView = z.infer<typeof TargetSchema>;
/** `GET /api/v1/targets`: down targets first, then failing ones (up with an error), then by service, agent and URL. */
export const TargetsResponseSchema = z.object({
  items: z.array(TargetSchema),
  /** Targets matching the query (all pages). */
  total: z.number().int(),
});
export type TargetsResponse = z.infer<typeof TargetsResponseSchema>;

/**
 * Query of `GET /api/v1/targets`. `q`: case-insensitive substring of service, URL, agent or last
 * error; `health`: up, down (not up), failing (down, or up with an error), ok (up without an error).
 * Paged by `offset`/`limit`.
 */
export const TargetsQuerySchema = z.strictObject({
  service: z.string().max(256).optional(),
  q: z.string().max(1000).optional(),
  health: z.enum(['up', 'down', 'failing', 'ok']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export type TargetsQuery = z.infer<typeof TargetsQuerySchema>;

/**
 * One service's targets in `GET /api/v1/targets/services`: counts of the targets matching `q`, and
 * the first FAILING_SHOWN of its failing ones (down first), so a page shows every problem without
 * listing the healthy targets.
 */
export const TargetServiceSchema = z.object({
  service: z.string(),
  up: z.number().int(),
  down: z.number().int(),
  /** Down, or up but with an error from the last scrape. */
  failing: z.number().int(),
  failing_targets: z.array(TargetSchema),
});
export type TargetServiceView = z.infer<typeof TargetServiceSchema>;
/** Failing targets listed per service in a summary; the rest are paged through `GET /api/v1/targets`. */
export const FAILING_SHOWN = 20;

/** `GET /api/v1/targets/services`: services with failing targets first, then by name; `total` sums all. */
export const TargetServicesResponseSchema = z.object({
  items: z.array(TargetServiceSchema),
  total: z.object({ up: z.number().int(), down: z.number().int(), failing: z.number().int() }),
});
export type TargetServicesResponse = z.infer<typeof TargetServicesResponseSchema>;

/** Query of `GET /api/v1/targets/services`. */
export const TargetServicesQuerySchema = z.strictObject({ q: z.string().max(1000).optional() });
