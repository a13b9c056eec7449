import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits, TRUNCATION_MARK } from '../limits.js';
import { DurationSchema, ListenSchema } from './durations.js';
import { NotificationSchema, PublicUrlSchema } from './notification.js';
import { ServiceConfigSchema } from './service.js';

/**
 * The configuration file (DESIGN section 7): a `hub:` section, an `agent:` section, or both, plus an
 * optional `demo:` section. A plain Periskop file (top-level `services:` and `repository:`) is read
 * by `load.ts` and turned into hub + agent. Strict: unknown keys are errors naming their YAML path.
 */

const Token = z.string().min(1, 'a token must not be empty');
const Labels = z.record(z.string(), z.string()).default({});

/**
 * Upper bounds set by the federation schema (messages.ts, occurrence.ts): a larger limit would build
 * messages every hub refuses. A chain holds the error and `causeDepth` causes; a cut key gets the mark.
 */
const LIMIT_MAXIMA: Partial<Record<keyof Limits, number>> = {
  causeDepth: 63,
  keyChars: 4096 - TRUNCATION_MARK.length,
};

const LimitsSchema = z
  .strictObject(
    Object.fromEntries(
      Object.keys(DEFAULT_LIMITS).map((k) => [k, z.number().int().positive().max(LIMIT_MAXIMA[k as keyof Limits] ?? Number.MAX_SAFE_INTEGER).optional()]),
    ) as Record<
      keyof Limits,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .default({})
  .transform((partial): Limits => {
    const out: Record<string, number> = { ...DEFAULT_LIMITS };
    for (const [k, v] of Object.entries(partial)) if (v !== undefined) out[k] = v;
    return out as unknown as Limits;
  });

export const HubLinkSchema = z.strictObject({
  url: z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL'),
  token: Token,
});
export type HubLink = z.infer<typeof HubLinkSchema>;

export const UpstreamSchema = z.strictObject({
  url: z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL'),
  token: Token,
  /** The name this hub uses at its parent; defaults to the hub id. */
  name: z.string().min(1).optional(),
  labels: Labels,
  /** How often changes are streamed up at most (short, so a global hub lags a region by little). */
  flush_interval: DurationSchema.default(200),
});
export type Upstream = z.infer<typeof UpstreamSchema>;

/** Parents one hub streams into at most (an HA pair, or a few tiers' worth). */
export const MAX_UPSTREAMS = 8;

/**
 * `hub.upstream`: one parent (the object form) or a list of parents (an HA pair of global hubs),
 * each streamed into over its own link. Always a list once parsed.
 */
const UpstreamListSchema = z
  .array(UpstreamSchema)
  .min(1, 'list at least one parent, or leave upstream out')
  .max(MAX_UPSTREAMS)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((u, i) => {
      if (seen.has(u.url)) ctx.addIssue({ code: 'custom', path: [i, 'url'], message: `${u.url} is listed twice: each parent once` });
      seen.add(u.url);
    });
  });
export const UpstreamsSchema = z.unknown().transform((value, ctx): Upstream[] => {
  // Picked by shape rather than a union, so a mistake in the object form is reported at its own path.
  const parsed = Array.isArray(value) ? UpstreamListSchema.safeParse(value) : UpstreamSchema.transform((u) => [u]).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

export { NotificationSchema, type NotificationConfig } from './notification.js';

export const HubConfigSchema = z.strictObject({
  listen: ListenSchema.default('127.0.0.1:7777'),
  data_dir: z.string().min(1).default('./data/hub'),
  /** Stable name of this hub in hellos' paths and at a parent; generated and kept in data_dir if absent. */
  hub_id: z.string().min(1).max(128).optional(),
  snapshot_interval: DurationSchema.default(30_000),
  agent_tokens: z.array(Token).default([]),
  admin_token: Token.optional(),
  upstream: UpstreamsSchema.optional(),
  /** Where users open the UI (e.g. https://crowsnest.example.com/): notifications link to the error's page. */
  public_url: PublicUrlSchema.optional(),
  /**
   * The other hubs of the same tier (an HA pair or more), each by its `/federate` URL and a token it
   * accepts in its `agent_tokens`: resolves and unresolves are replicated between them.
   */
  peers: z.array(HubLinkSchema).max(16).default([]),
  /** How long a peer that does not own an alert waits for the owner's delivery record before sending. */
  peer_grace: DurationSchema.default(15_000),
  notifications: z.array(NotificationSchema).default([]),
  samples_per_group: z.number().int().min(1).max(100).default(20),
  /** Global byte budget for samples; the least recently updated groups lose samples first. */
  sample_budget_bytes: z.number().int().positive().default(256 * 1024 * 1024),
  metrics: z
    .strictObject({
      /** At most this many periskop_error_occurrences series (most recently seen groups first). */
      max_series: z.number().int().nonnegative().default(10_000),
      /** Add a `source` label (the agent or child hub) to periskop_error_occurrences. */
      source_label: z.boolean().default(false),
    })
    .default({ max_series: 10_000, source_label: false }),
  /** A group unchanged for longer (no count increase, no new sample) is forgotten. */
  retention: DurationSchema.default(90 * 24 * 3_600_000),
  /** Groups held at most; beyond, the least recently seen are forgotten first (never one still occurring). */
  max_groups: z.number().int().min(1).max(100_000_000).default(1_000_000),
  /**
   * Initial exchanges (syncs) admitted at once after hellos; the rest queue. Waiting sources are sent
   * away (CN_ERR_BUSY) only when no sync has finished for `stall_timeout`.
   */
  sync_admission: z
    .strictObject({
      slots: z.number().int().min(1).max(1_000).default(4),
      stall_timeout: DurationSchema.default(30_000),
    })
    .default({ slots: 4, stall_timeout: 30_000 }),
  limits: LimitsSchema,
});
export type HubConfig = z.infer<typeof HubConfigSchema>;

const SentryRateLimitSchema = z.strictObject({
  /** Sustained events per second per DSN key. */
  events_per_second: z.number().positive(),
  /** Events a key may send at once above the sustained rate. */
  burst: z.number().int().min(1),
});

export const SentryProjectSchema = z.strictObject({
  /** The project id of the DSN (`http://<key>@<agent>/<id>`). */
  id: z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,15}$/, 'expected a numeric project id')]).transform((v) => Number(v)),
  /** The DSN's public key. */
  key: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected the DSN public key: 32 hex characters').transform((v) => v.toLowerCase()),
  /** The Crowsnest service its events are counted under. */
  service: z.string().min(1).max(256),
  /** Overrides the section's rate_limit for this key. */
  rate_limit: SentryRateLimitSchema.optional(),
});

/**
 * Sentry SDK ingestion at the agent (DESIGN section 6). The same project id may be listed again with
 * another key (key rotation), always for the same service.
 */
export const SentryConfigSchema = z
  .strictObject({
    projects: z.array(SentryProjectSchema).min(1, 'list at least one project: { id, key, service }'),
    rate_limit: SentryRateLimitSchema.default({ events_per_second: 50, burst: 500 }),
    /** Largest event (decompressed JSON) accepted; larger ones are answered 413. */
    max_event_bytes: z.number().int().positive().default(1024 * 1024),
    /** Event ids remembered to drop SDK retries of an event already counted (0: no de-duplication). */
    dedup_event_ids: z.number().int().nonnegative().max(10_000_000).default(20_000),
    /** Distinct groups per service; events of further groups are counted in one overflow group. */
    max_groups_per_service: z.number().int().min(1).default(10_000),
  })
  .superRefine((c, ctx) => {
    const services = new Map<number, string>();
    const keys = new Set<string>();
    c.projects.forEach((p, i) => {
      const held = services.get(p.id);
      if (held !== undefined && held !== p.service) {
        ctx.addIssue({ code: 'custom', path: ['projects', i, 'service'], message: `project ${p.id} is already mapped to service "${held}"` });
      }
      services.set(p.id, p.service);
      if (keys.has(`${p.id}/${p.key}`)) ctx.addIssue({ code: 'custom', path: ['projects', i, 'key'], message: `project ${p.id} lists this key twice` });
      keys.add(`${p.id}/${p.key}`);
    });
  });
export type SentryConfig = z.infer<typeof SentryConfigSchema>;

/**
 * OpenTelemetry ingestion at the agent: `POST /v1/traces` and `POST /v1/logs` (OTLP/HTTP, protobuf or
 * JSON, gzip). Span events named `exception` and log records with `exception.*` attributes are counted.
 */
export const OtlpConfigSchema = z.strictObject({
  /** A listen address of its own (collectors use 4318); without it the routes are on the agent's listener. */
  listen: ListenSchema.optional(),
  /** Largest request body, compressed and again after decompression; larger ones are answered 413. */
  max_body_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Exceptions per second, per bearer token (one bucket when no tokens are configured). */
  rate_limit: z
    .strictObject({ exceptions_per_second: z.number().positive(), burst: z.number().int().min(1) })
    .default({ exceptions_per_second: 1_000, burst: 20_000 }),
  /** Bearer tokens (`Authorization: Bearer <token>`); when empty, requests need none. */
  tokens: z.array(Token).default([]),
  /** Service of exceptions whose resource has no `service.name` (or `unknown_service...`). */
  default_service: z.string().min(1).max(256).default('otlp'),
  /** Distinct services OTLP may create; exceptions of one more are rejected (partial success). */
  max_services: z.number().int().min(1).max(100_000).default(100),
  /** Distinct groups per service; exceptions of further groups are counted in one overflow group. */
  max_groups_per_service: z.number().int().min(1).default(10_000),
  /**
   * Samples a group takes from one batch (its newest exceptions); the group keeps samples_per_group
   * across batches. Building and storing a sample costs more than counting, so a busy group is sampled.
   */
  samples_per_batch: z.number().int().min(1).max(100).default(1),
  /** Span events and log records remembered to drop exporter retries of a batch already counted (0: none). */
  dedup_items: z.number().int().nonnegative().max(10_000_000).default(100_000),
});
export type OtlpConfig = z.infer<typeof OtlpConfigSchema>;

export const AgentConfigSchema = z.strictObject({
  name: z.string().min(1).max(256),
  listen: ListenSchema.default('127.0.0.1:7778'),
  hubs: z.array(HubLinkSchema).default([]),
  /** Where the agent keeps its epoch and counters, so a restart is exact. Optional. */
  state_dir: z.string().min(1).optional(),
  state_interval: DurationSchema.default(10_000),
  labels: Labels,
  services: z.array(ServiceConfigSchema).default([]),
  /** Existing Periskop servers whose services this agent imports (their `/services/` API). */
  imports: z
    .array(
      z.strictObject({
        url: z.string().regex(/^https?:\/\/[^\s]+$/, 'expected the http:// or https:// base URL of a Periskop server'),
        refresh_interval: DurationSchema.default(30_000),
        timeout: DurationSchema.default(10_000),
        services: z.array(z.string().min(1)).optional(),
      }),
    )
    .default([]),
  /** Periskop push gateway compatibility: `POST /push/{service}/errors` and `POST /errors`. */
  push: z
    .strictObject({
      /** Where a bare `POST /errors` goes. */
      default_service: z.string().min(1).max(256).default('push'),
      /** Distinct services pushes may create; a push to one more is refused (400), so memory stays bounded. */
      max_services: z.number().int().min(1).max(100_000).default(100),
      /** When not empty, a push needs one of these (Bearer, or the password of Basic auth); 401 without. */
      tokens: z.array(Token.max(4096, 'a token is at most 4096 characters')).max(1000).default([]),
    })
    .default({ default_service: 'push', max_services: 100, tokens: [] }),
  /** Sentry SDK ingestion (`POST /api/{project_id}/envelope/`); off when absent. */
  sentry: SentryConfigSchema.optional(),
  otlp: OtlpConfigSchema.optional(),
  flush_interval: DurationSchema.default(1_000),
  samples_per_group: z.number().int().min(1).max(100).default(10),
  /** An origin silent for this long is forgotten (its counts stay in the totals). */
  origin_ttl: DurationSchema.default(3_600_000),
  /**
   * Forgotten origins whose last counts are kept, so one that comes back with the same identity (url
   * and target_uuid) resumes from them instead of being counted again in full (docs/operations.md).
   */
  origin_tombstones: z.number().int().min(0).max(10_000_000).default(10_000),
  /** Keys held in all those tombstones, about 16 bytes each plus 300 per tombstone (the defaults: about 11 MiB at most). */
  origin_tombstone_keys: z.number().int().min(0).max(100_000_000).default(500_000),
  /** How long a forgotten origin's last counts are kept. */
  origin_tombstone_ttl: DurationSchema.default(7 * 24 * 3_600_000),
  /**
   * Error groups held per service; past it the least recently active group is evicted (its count stays
   * in a tombstone, so it resumes where it was if it comes back). Bounds memory against key explosions.
   */
  max_groups_per_service: z.number().int().min(1).max(10_000_000).default(10_000),
  /** Tombstones (key -> count) of evicted groups kept per service; should be well above max_groups_per_service. */
  max_tombstones_per_service: z.number().int().min(1).max(100_000_000).default(100_000),
  scrape: z
    .strictObject({ concurrency: z.number().int().min(1).max(10_000).default(64) })
    .default({ concurrency: 64 }),
  limits: LimitsSchema,
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export const DemoConfigSchema = z.strictObject({
  /** Number of simulated Periskop clients to start on 127.0.0.1. */
  targets: z.number().int().min(1).max(1000),
  services: z.array(z.string().min(1)).min(1).default(['checkout', 'search']),
  /** How often the simulated counts grow. */
  interval: DurationSchema.default(2_000),
});
export type DemoConfig = z.infer<typeof DemoConfigSchema>;

export const LogConfigSchema = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .default({ level: 'info' });

export const ConfigSchema = z
  .strictObject({
    hub: HubConfigSchema.optional(),
    agent: AgentConfigSchema.optional(),
    demo: DemoConfigSchema.optional(),
    log: LogConfigSchema,
  })
  .refine((c) => c.hub !== undefined || c.agent !== undefined, {
    message: 'the file needs a "hub:" section, an "agent:" section, or both (or a Periskop "services:" list)',
  });
export type Config = z.infer<typeof ConfigSchema>;
