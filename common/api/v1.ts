import { z } from 'zod';
import { SeveritySchema } from '../severity.js';

/**
 * API v1 (DESIGN section 5): the JSON the hub answers under `/api/v1/` and the UI reads. The only
 * definition of these shapes: the hub's presenters build them, the UI imports the types, tests parse
 * answers with them. Times are ISO 8601 strings (UTC), null when unknown.
 *
 * Routes (path segments encoded with `encodeSegment` below; a key may hold any character):
 *   GET  /api/v1/services                                   ServicesResponse
 *   GET  /api/v1/services/{name}                            ServiceDetailResponse
 *   GET  /api/v1/services/{name}/errors?q&severity&status&environment&release&sort&order&limit&cursor   ErrorListResponse
 *   GET  /api/v1/services/{name}/errors/{key}               ErrorGroupResponse
 *   POST /api/v1/services/{name}/errors/{key}/resolve       ErrorSummary (admin token when configured)
 *   POST /api/v1/services/{name}/errors/{key}/unresolve     ErrorSummary (admin token when configured)
 *   GET  /api/v1/errors?q&severity&status&environment&release&sort&order&limit&cursor   ErrorListResponse, over every service
 *   GET  /api/v1/sources                                    SourcesResponse
 *   GET  /api/v1/targets?service&q&health&limit&offset      TargetsResponse (paged)
 *   GET  /api/v1/targets/services?q                         TargetServicesResponse
 *   GET  /api/v1/events                                     Server-Sent Events, LiveEvent
 *   GET  /api/v1/alerts?service&type&limit                  AlertsResponse
 *   GET  /api/v1/peers                                      PeersResponse (hub.peers)
 * Errors: `{error: {code, message}}` (ApiErrorBody): 400 bad_request (bad query, cursor or path
 * encoding), 401 unauthorized (write without the admin token), 404 not_found (unknown service, key or
 * route), 405 method_not_allowed, 503 too_many_clients (live stream full).
 */

const Iso = z.string().nullable();

/**
 * A service name or error key as one path segment: percent-encoded (dots too), so keys with "/", "%",
 * "#" or "?" stay one segment. A key that is exactly "." or ".." cannot be addressed in a path: URL
 * parsers (browsers, fetch) remove such segments even when encoded; it is still listed.
 * Example: encodeSegment('a/b..c') === 'a%2Fb%2E%2Ec'.
 */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value).replace(/\./g, '%2E');
}

/** Counts per bucket, oldest first: bucket i covers [start + i*step_ms, start + (i+1)*step_ms). */
export const SeriesSchema = z.object({
  start: z.string(),
  step_ms: z.number().int().positive(),
  values: z.array(z.number().int().nonnegative()),
});
export type Series = z.infer<typeof SeriesSchema>;

export const ErrorStatusSchema = z.enum(['unresolved', 'resolved', 'regressed']);
export type ErrorStatus = z.infer<typeof ErrorStatusSchema>;

export const SeverityCountsSchema = z.object({ info: z.number(), warning: z.number(), error: z.number() });

/** `GET /api/v1/services`: one row per service. */
export const ServiceSummarySchema = z.object({
  name: z.string(),
  /** Groups not resolved (unresolved + regressed). */
  open_errors: z.number().int(),
  /** Open groups that came back after a resolve. */
  regressed_errors: z.number().int(),
  resolved_errors: z.number().int(),
  groups: z.number().int(),
  /** Occurrences of open groups by severity. */
  counts: SeverityCountsSchema,
  /** Open groups by severity. */
  groups_by_severity: SeverityCountsSchema,
  total_count: z.number(),
  last_seen: Iso,
  /** Occurrences per minute over the last hour, for a sparkline. */
  sparkline: SeriesSchema,
});
export type ServiceSummary = z.infer<typeof ServiceSummarySchema>;
export const ServicesResponseSchema = z.object({ items: z.array(ServiceSummarySchema) });
export type ServicesResponse = z.infer<typeof ServicesResponseSchema>;

/** Occurrences per minute over the last 2 hours and per hour over the last 7 days, at hub time. */
export const SeriesPairSchema = z.object({ minutes: SeriesSchema, hours: SeriesSchema });
export type SeriesPair = z.infer<typeof SeriesPairSchema>;

/** `GET /api/v1/services/{name}`: the summary plus the service's time series. */
export const ServiceDetailResponseSchema = ServiceSummarySchema.extend({ series: SeriesPairSchema });
export type ServiceDetailResponse = z.infer<typeof ServiceDetailResponseSchema>;

/** One release or environment of a group: occurrences that carried it, first and last seen. */
export const TagCountSchema = z.object({ name: z.string(), count: z.number(), first_seen: Iso, last_seen: Iso });
export type TagCount = z.infer<typeof TagCountSchema>;

/**
 * A group's occurrences by release or by environment (Sentry `release`/`environment`, OpenTelemetry
 * `service.version`/`deployment.environment[.name]`), at most 20 values; occurrences of values past
 * that bound are summed in `other` (null when none). Empty for groups of Periskop clients, which send
 * neither; occurrences that carried none are in no item, so the counts may sum to less than the total.
 */
export const TagBreakdownSchema = z.object({
  items: z.array(TagCountSchema),
  other: z.object({ count: z.number(), first_seen: Iso, last_seen: Iso }).nullable(),
});
export type TagBreakdown = z.infer<typeof TagBreakdownSchema>;

/**
 * One group in a list. `class` and `message` are those of its newest sample ever seen ('' when none;
 * kept when the sample budget evicts samples). `sparkline`: occurrences per minute over the last hour.
 */
export const ErrorSummarySchema = z.object({
  service: z.string(),
  key: z.string(),
  severity: SeveritySchema,
  status: ErrorStatusSchema,
  total_count: z.number(),
  created_at: Iso,
  last_seen: Iso,
  resolved_at: Iso,
  regressed_at: Iso,
  class: z.string(),
  message: z.string(),
  sparkline: SeriesSchema,
  /** The release the group was first seen in (the earliest first seen of its releases); null when none is known. */
  first_release: z.string().nullable(),
  /** Occurrences by environment, largest count first. */
  environments: TagBreakdownSchema,
});
export type ErrorSummary = z.infer<typeof ErrorSummarySchema>;

export const ErrorListResponseSchema = z.object({
  items: z.array(ErrorSummarySchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
  /** Groups matching the filters (all pages). */
  total: z.number().int(),
});
export type ErrorListResponse = z.infer<typeof ErrorListResponseSchema>;

/** Query of `GET /api/v1/services/{name}/errors`. */
export const ErrorListQuerySchema = z.strictObject({
  q: z.string().max(1000).optional(),
  severity: SeveritySchema.optional(),
  status: z.enum(['unresolved', 'resolved', 'regressed', 'all']).default('unresolved'),
  sort: z.enum(['count', 'last_seen', 'created_at']).default('last_seen'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** Only groups with occurrences in this environment (exact name, as listed in `environments`). */
  environment: z.string().min(1).max(1000).optional(),
  /** Only groups with occurrences in this release (exact name, as listed in `releases`). */
  release: z.string().min(1).max(1000).optional(),
  /** Opaque; only valid with the sort and order it was made for. */
  cursor: z.string().max(16_384).optional(),
});
export type ErrorListQuery = z.infer<typeof ErrorListQuerySchema>;

/**
 * Query of `GET /api/v1/errors`: the list over every service (the header's search), with the same
 * parameters, search language and paging as a service's list; ties of the sort value are broken by
 * service, then key. Its cursors are not valid for a service's list, nor the other way round.
 */
export const AllErrorsQuerySchema = ErrorListQuerySchema;
export type AllErrorsQuery = ErrorListQuery;

export const ErrorDetailSchema = z.object({ class: z.string(), message: z.string(), stacktrace: z.array(z.string()).nullable() });

/** A sample as v1 shows it: the cause chain flat, `chain[0]` the error itself. */
export const SampleSchema = z.object({
  uuid: z.string(),
  timestamp: Iso,
  severity: SeveritySchema,
  chain: z.array(ErrorDetailSchema),
  http: z
    .object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()).nullable(), body: z.string() })
    .nullable(),
});
export type Sample = z.infer<typeof SampleSchema>;

/** Who contributed how much to a group: lineages grouped by the source that delivered them. */
export const ContributionSchema = z.object({
  /** The agent (lineage name). */
  agent: z.string(),
  /** The child hub it came through, nearest this hub first; empty when the agent is directly connected. */
  via: z.array(z.string()),
  /** Labels of the agent's newest lineage (e.g. region). */
  labels: z.record(z.string(), z.string()),
  count: z.number(),
  /** Lineages summed here: 1, plus one per restart of the agent without its state_dir. */
  lineages: z.number().int(),
});
export type Contribution = z.infer<typeof ContributionSchema>;

/** `GET /api/v1/services/{name}/errors/{key}`: samples newest first, sources by count (largest first). */
export const ErrorGroupResponseSchema = ErrorSummarySchema.extend({
  samples: z.array(SampleSchema),
  /** The sample budget took this group's samples (its counts are kept); new ones will show again. */
  samples_evicted: z.boolean(),
  sources: z.array(ContributionSchema),
  /** Occurrences by release, newest release (latest first seen) first. */
  releases: TagBreakdownSchema,
  series: SeriesPairSchema,
});
export type ErrorGroupResponse = z.infer<typeof ErrorGroupResponseSchema>;

export * from './v1-fleet.js';

/** One notification channel's delivery of an alert. `channel` is its name, never its URL. */
export const AlertDeliverySchema = z.object({
  channel: z.string(),
  /** pending (queued or between retries), delivered, failed (refused or out of attempts), dropped (queue full). */
  status: z.enum(['pending', 'delivered', 'failed', 'dropped']),
  attempts: z.number().int(),
  /** Why the last attempt failed (null when none did). */
  last_error: z.string().nullable(),
  /** When the channel first took it (an Alertmanager channel keeps re-sending it while it is active). */
  delivered_at: Iso,
  /** Alertmanager channels: when Alertmanager was last told the alert ended (null while active, and for other channels). */
  ended_at: Iso,
});

/**
 * A notification the hub fired: a group new since the hub started watching (its data_dir's first
 * start), or regressed after a resolve, with its delivery to each channel whose filters wanted it
 * (none when no channel did: the history lists every alert).
 */
export const AlertSchema = z.object({
  id: z.string(),
  type: z.enum(['new', 'regressed']),
  service: z.string(),
  key: z.string(),
  severity: SeveritySchema,
  /** Class and message of the group's newest occurrence ('' when unknown). */
  class: z.string(),
  message: z.string(),
  /** The group's total when the alert fired. */
  total_count: z.number(),
  created_at: Iso,
  last_seen: Iso,
  /** For a regression: when the group came back. */
  regressed_at: Iso,
  fired_at: Iso,
  deliveries: z.array(AlertDeliverySchema),
});
export type AlertView = z.infer<typeof AlertSchema>;
/** `GET /api/v1/alerts`: newest first, at most `limit` of the history the hub keeps (1,000 alerts). */
export const AlertsResponseSchema = z.object({ items: z.array(AlertSchema) });
export type AlertsResponse = z.infer<typeof AlertsResponseSchema>;

/** Query of `GET /api/v1/alerts`. */
export const AlertsQuerySchema = z.strictObject({
  service: z.string().max(256).optional(),
  type: z.enum(['new', 'regressed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AlertsQuery = z.infer<typeof AlertsQuerySchema>;

/**
 * A peer of this hub (`hub.peers`): its outbound link's view (`url`, `connected`, `lag_ms` from a change
 * here to the peer's fsynced ack, `pending` changes not acknowledged, `clock_offset_ms` the peer's
 * clock minus this hub's) and whether it is dialled in (`inbound`).
 */
export const PeerSchema = z.object({
  url: z.string(), hub_id: z.string().nullable(), connected: z.boolean(),
  /** When `connected` last changed: connected since, or disconnected since (null: never connected). */
  since: Iso,
  inbound: z.boolean(), lag_ms: z.number(), pending: z.number().int(),
  last_exchange: Iso, clock_offset_ms: z.number(), reconnects: z.number().int(), last_error: z.string(),
});
/** `GET /api/v1/peers`; `register_entries` and `held_back` (notifications a peer delivered) are this hub's. */
export const PeersResponseSchema = z.object({ hub_id: z.string(), items: z.array(PeerSchema), register_entries: z.number().int(), held_back: z.number().int() });
export type PeersResponse = z.infer<typeof PeersResponseSchema>;

/** `{error: {code, message}}`, with the HTTP status telling the class of problem. */
export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * Events on `GET /api/v1/events` (Server-Sent Events; `event:` is the type, `data:` the JSON), coalesced
 * to a few per second. `groups`: these groups of the service changed (counts, samples, status); with
 * `truncated`, more changed than listed: treat every group of the service as changed. `services`: the
 * overview changed. `sources`: a source connected, disconnected or reported target health. A comment
 * line (`: ping`) comes every 15 s; a client that reads too slowly is dropped and should reconnect
 * (EventSource does so by itself). `alert`: a notification fired (see /api/v1/alerts). `peers`: a peer
 * (hub.peers) connected or disconnected, or acknowledged changes (see /api/v1/peers).
 */
export const LiveEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('groups'), service: z.string(), keys: z.array(z.string()), truncated: z.boolean() }),
  z.object({ type: z.literal('services') }),
  z.object({ type: z.literal('sources') }),
  z.object({ type: z.literal('alert') }),
  z.object({ type: z.literal('peers') }),
]);
export type LiveEvent = z.infer<typeof LiveEventSchema>;
