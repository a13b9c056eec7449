import { z } from 'zod';
import { WireTargetSchema } from '../../common/federation/messages.js';
import { CountSchema, MsSchema } from '../../common/schema/scalars.js';
import { SeveritySchema } from '../../common/severity.js';

/**
 * The frames of snapshot format 2 (snapshot-v2.ts writes and reads them): the only definition of
 * what a snapshot holds. Each frame is a msgpack tuple; the first element says which frame it is.
 * Times are bounded to the range of dates, counts to safe integers.
 */
export const FRAME = { head: 0, service: 1, groups: 2, tail: 3, notify: 4, sourceStats: 5 } as const;

const Labels = z.record(z.string(), z.string());
const Int = z.number().int();
const Nat = Int.nonnegative();

/** A series: per-minute and per-hour bucket counts, or none. */
export const SavedSeriesSchema = z.tuple([z.array(CountSchema), z.array(CountSchema)]).nullable();
export type SavedSeries = z.infer<typeof SavedSeriesSchema>;

export const SavedSourceSchema = z.tuple([
  z.string(), // name
  z.enum(['agent', 'hub']), // kind
  z.string(), // last epoch
  Labels,
  z.array(z.tuple([z.string(), Nat])), // acked seq per epoch
  z.array(WireTargetSchema),
]);
export type SavedSource = z.infer<typeof SavedSourceSchema>;

/** What the Fleet view shows of a direct source, kept across restarts: name, last message at, messages, bytes, connections. */
export const SavedSourceStatsSchema = z.tuple([z.string(), MsSchema, Nat, Nat, Nat]);
export type SavedSourceStats = z.infer<typeof SavedSourceStatsSchema>;

export const SavedLineageSchema = z.tuple([Nat, z.string(), z.string(), Labels, z.array(z.string())]);
export type SavedLineage = z.infer<typeof SavedLineageSchema>;

/** chain: flat [class ref, message ref, stack ref or -1] per error of the cause chain. */
export const SavedSampleSchema = z.tuple([
  z.string(), // uuid
  MsSchema, // timestamp
  SeveritySchema,
  z.array(Int), // chain refs
  z.tuple([z.string(), z.string(), z.record(z.string(), z.string()).nullable(), z.string()]).nullable(), // http: method, url, headers, body
]);
export type SavedSample = z.infer<typeof SavedSampleSchema>;

/** A breakdown by environment or release: [lineage id, value, count, first seen, last seen] (hub/state/group-tags.ts). */
export const SavedTagsSchema = z.array(z.tuple([Nat, z.string(), CountSchema, MsSchema, MsSchema]));
export type SavedTags = z.infer<typeof SavedTagsSchema>;

const SAVED_GROUP_FIELDS = [
  z.string(), // key
  SeveritySchema,
  MsSchema, // created at
  MsSchema, // last seen
  z.array(CountSchema), // flat [lineage id, count, ...]
  z.array(SavedSampleSchema),
  z.tuple([MsSchema, CountSchema]).nullable(), // resolution: at, total
  MsSchema, // regressed at
  MsSchema, // updated at
  SavedSeriesSchema,
  z.tuple([Nat, Nat]).nullable(), // headline: class ref, message ref
  z.union([z.literal(0), z.literal(1)]), // samples evicted
] as const;

/**
 * A group: the 12 fields above, then [environments, releases] when it has a breakdown. Snapshots of
 * hubs before releases and environments hold the 12 fields only: they load with no breakdown.
 */
export const SavedGroupSchema = z.union([z.tuple(SAVED_GROUP_FIELDS), z.tuple([...SAVED_GROUP_FIELDS, z.tuple([SavedTagsSchema, SavedTagsSchema])])]);
export type SavedGroup = z.infer<typeof SavedGroupSchema>;
/** The 12 fields every saved group has. */
export type SavedGroupFields = z.infer<ReturnType<typeof z.tuple<typeof SAVED_GROUP_FIELDS>>>;

export const HeadFrameSchema = z.tuple([z.literal(FRAME.head), z.string(), MsSchema, Nat, z.array(SavedSourceSchema)]);
export const ServiceFrameSchema = z.tuple([z.literal(FRAME.service), z.string(), SavedSeriesSchema]);
export const GroupsFrameSchema = z.tuple([z.literal(FRAME.groups), z.string(), z.array(z.string()), z.array(z.array(z.string())), z.array(SavedGroupSchema)]);
export const TailFrameSchema = z.tuple([z.literal(FRAME.tail), z.array(SavedLineageSchema)]);
/** Sources' message figures (optional: absent in snapshots of older hubs). */
export const SourceStatsFrameSchema = z.tuple([z.literal(FRAME.sourceStats), z.array(SavedSourceStatsSchema)]);
/** The notifier's state, read by its own schema (hub/notify/alert.ts). */
export const NotifyFrameSchema = z.tuple([z.literal(FRAME.notify), z.unknown()]);

export type Frame =
  | z.infer<typeof HeadFrameSchema>
  | z.infer<typeof ServiceFrameSchema>
  | z.infer<typeof GroupsFrameSchema>
  | z.infer<typeof TailFrameSchema>
  | z.infer<typeof NotifyFrameSchema>
  | z.infer<typeof SourceStatsFrameSchema>;
