import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits, TRUNCATION_MARK } from '../limits.js';
import { DurationSchema, ListenSchema } from './durations.js';
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

export const NotificationSchema = z.strictObject({
  type: z.enum(['webhook', 'slack']),
  url: z.string().url(),
  services: z.array(z.string()).optional(),
  severities: z.array(z.enum(['info', 'warning', 'error'])).optional(),
  events: z.array(z.enum(['new', 'regressed'])).default(['new', 'regressed']),
});

export const HubConfigSchema = z.strictObject({
  listen: ListenSchema.default('127.0.0.1:7777'),
  data_dir: z.string().min(1).default('./data/hub'),
  /** Stable name of this hub in hellos' paths and at a parent; generated and kept in data_dir if absent. */
  hub_id: z.string().min(1).max(128).optional(),
  snapshot_interval: DurationSchema.default(30_000),
  agent_tokens: z.array(Token).default([]),
  admin_token: Token.optional(),
  upstream: UpstreamSchema.optional(),
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
  limits: LimitsSchema,
});
export type HubConfig = z.infer<typeof HubConfigSchema>;

export const AgentConfigSchema = z.strictObject({
  name: z.string().min(1).max(256),
  listen: ListenSchema.default('127.0.0.1:7778'),
  hubs: z.array(HubLinkSchema).default([]),
  /** Where the agent keeps its epoch and counters, so a restart is exact. Optional. */
  state_dir: z.string().min(1).optional(),
  state_interval: DurationSchema.default(10_000),
  labels: Labels,
  services: z.array(ServiceConfigSchema).default([]),
  push: z.strictObject({ default_service: z.string().min(1).default('push') }).default({ default_service: 'push' }),
  flush_interval: DurationSchema.default(1_000),
  samples_per_group: z.number().int().min(1).max(100).default(10),
  /** An origin silent for this long is forgotten (its counts stay in the totals). */
  origin_ttl: DurationSchema.default(3_600_000),
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
