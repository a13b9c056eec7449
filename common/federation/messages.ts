import { z } from 'zod';
import { HttpContextSchema } from '../occurrence.js';
import { IntakeSchema, OtlpIntakeSchema } from './intake.js';
import { CountSchema, MsSchema } from '../schema/scalars.js';
import { SeveritySchema } from '../severity.js';
import { TAG_VALUE_CHARS } from '../merge/tags.js';

/**
 * Federation messages (DESIGN section 4, docs/protocol.md): the only definition of what crosses a
 * `/federate` WebSocket. Encoded with msgpackr (see codec.ts); every decoded frame is validated here.
 */
export const PROTOCOL_VERSION = 1;
/** A hub refuses a hello that has crossed more hubs than this. */
export const MAX_HOPS = 8;

const Name = z.string().min(1).max(256);
const Labels = z.record(z.string().max(128), z.string().max(1024)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');
const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Times on the wire are bounded to the range of dates (a later format must never throw). */
const Ms = MsSchema;

export const HelloSchema = z.object({
  t: z.literal('hello'),
  protocol: z.number().int(),
  name: Name,
  epoch: z.string().min(1).max(128),
  kind: z.enum(['agent', 'hub']),
  labels: Labels,
  version: z.string().max(64),
  /** Hub ids this source's data has crossed, nearest first (empty for an agent). */
  path: z.array(z.string().max(128)).max(64),
});
export type Hello = z.infer<typeof HelloSchema>;

export const WelcomeSchema = z.object({
  t: z.literal('welcome'),
  hub_id: z.string(),
  /** Last seq the hub has durably merged for (name, epoch), or null. */
  acked_seq: Seq.nullable(),
  /** The epoch the hub last saw under this name when it differs from the hello's, else null. */
  previous_epoch: z.string().nullable(),
});
export type Welcome = z.infer<typeof WelcomeSchema>;

/**
 * A lineage declared on a connection: `ref` is the connection-local number used in `counts`.
 * Ref 0 is implicit: the sender's own lineage (hello name and epoch), used by agents.
 */
export const LineageDefSchema = z.object({
  ref: z.number().int().min(1).max(1_000_000),
  name: Name,
  epoch: z.string().min(1).max(128),
  labels: Labels,
  /** Names of the sources this lineage came through below the sender, nearest last. */
  via: z.array(Name).max(16),
});
export type LineageDef = z.infer<typeof LineageDefSchema>;

/**
 * A sample on the wire: an Occurrence whose class, message and stack trace may be references into the
 * connection's string table (see string-table.ts and the message field `strings`).
 */
const StringOrRef = z.union([z.string(), z.number().int().positive()]);
export const WireOccurrenceSchema = z.object({
  uuid: z.string().min(1).max(1024),
  timestamp: Ms,
  severity: SeveritySchema,
  chain: z
    .array(z.object({ class: StringOrRef, message: StringOrRef, stacktrace: z.union([z.array(z.string()), z.number().int().positive()]).nullable() }))
    .min(1)
    .max(64),
  http: HttpContextSchema.nullable(),
});
export type WireOccurrence = z.infer<typeof WireOccurrenceSchema>;

/** A string table definition: [id, a string (class or message) or a list of stack lines]. */
export const WireStringDefSchema = z.tuple([z.number().int().positive(), z.union([z.string(), z.array(z.string()).max(10_000)])]);
export type WireStringDef = z.infer<typeof WireStringDefSchema>;

/**
 * One value of a group's release or environment breakdown for one lineage: [lineage ref, value (''
 * is the bucket of values past the per-group bound, common/merge/tags.ts), cumulative count of that
 * lineage's occurrences with it, first seen, last seen]. Cumulative like `counts`: merged with max().
 */
export const WireTagSchema = z.tuple([z.number().int().nonnegative(), z.string().max(TAG_VALUE_CHARS), CountSchema, Ms, Ms]);
export type WireTag = z.infer<typeof WireTagSchema>;

/** One group's state: cumulative counts per lineage, never increments. */
export const WireGroupSchema = z.object({
  key: z.string().min(1).max(4096),
  severity: SeveritySchema,
  /** [lineage ref, cumulative count] pairs. */
  counts: z.array(z.tuple([z.number().int().nonnegative(), CountSchema])).max(100_000),
  created_at: Ms,
  last_seen: Ms,
  samples: z.array(WireOccurrenceSchema).max(1000),
  /** Occurrences by environment, per lineage; absent when none had one (Periskop clients; older sources). */
  environments: z.array(WireTagSchema).max(100_000).optional(),
  /** Occurrences by release, per lineage; absent when none had one. */
  releases: z.array(WireTagSchema).max(100_000).optional(),
});
export type WireGroup = z.infer<typeof WireGroupSchema>;

export const WireServiceSchema = z.object({
  name: Name,
  groups: z.array(WireGroupSchema),
});
export type WireService = z.infer<typeof WireServiceSchema>;

/** Health of one scrape target, as the agent that scrapes it sees it. */
export const WireTargetSchema = z.object({
  service: Name,
  url: z.string().max(4096),
  /** The agent that scrapes it (filled in by the agent; hubs forward it unchanged). */
  agent: Name,
  up: z.boolean(),
  last_error: z.string().max(4096),
  last_scrape: Ms,
  duration_ms: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type WireTarget = z.infer<typeof WireTargetSchema>;

/**
 * A source of the sender, as a hub forwards its sources' health to its parent: its direct sources and,
 * flattened, theirs (`via` names the hubs in between, nearest last).
 */
export const WireSourceStatusSchema = z.object({
  name: Name,
  kind: z.enum(['agent', 'hub']),
  connected: z.boolean(),
  labels: Labels,
  epoch: z.string().max(128),
  last_message_at: Ms,
  via: z.array(Name).max(16),
  /** An agent's OTLP intake figures as its hub last heard them (intake.ts); absent when it reports none. */
  otlp: OtlpIntakeSchema.optional(),
});
export type WireSourceStatus = z.infer<typeof WireSourceStatusSchema>;

const StateFields = {
  seq: Seq,
  lineages: z.array(LineageDefSchema).max(100_000).optional(),
  /** String table definitions first used by this message. */
  strings: z.array(WireStringDefSchema).max(65_536).optional(),
  services: z.array(WireServiceSchema),
  targets: z.array(WireTargetSchema).max(1_000_000),
  /** Targets gone since the last message, as [agent, service, url]. */
  targets_removed: z.array(z.tuple([Name, Name, z.string().max(4096)])).max(1_000_000).optional(),
  /** `targets` is the whole list: the hub replaces what it held for this source (a delta after heavy churn). */
  targets_complete: z.boolean().optional(),
  /** A hub's sources, when they changed (the full list, replacing the previous one). */
  sources: z.array(WireSourceStatusSchema).max(100_000).optional(),
  /** An agent's push intake figures (intake.ts), when they changed and at the start of a connection. */
  intake: IntakeSchema.optional(),
};

/** Full state, possibly in several parts; targets in a sync replace what the hub held. */
export const SyncSchema = z.object({
  t: z.literal('sync'),
  ...StateFields,
  part: z.number().int().nonnegative(),
  last: z.boolean(),
});
export type Sync = z.infer<typeof SyncSchema>;

/** Changed groups (all samples new since the last acked message) and changed target health. */
export const DeltaSchema = z.object({
  t: z.literal('delta'),
  ...StateFields,
});
export type Delta = z.infer<typeof DeltaSchema>;

export const AckSchema = z.object({ t: z.literal('ack'), seq: Seq });
export type Ack = z.infer<typeof AckSchema>;

/** What a hub accepts from a source. */
export const SourceMessageSchema = z.discriminatedUnion('t', [HelloSchema, SyncSchema, DeltaSchema]);
export type SourceMessage = z.infer<typeof SourceMessageSchema>;

/** What a source accepts from a hub. */
export const HubMessageSchema = z.discriminatedUnion('t', [WelcomeSchema, AckSchema]);
export type HubMessage = z.infer<typeof HubMessageSchema>;
