import { Packr } from 'msgpackr';
import { z } from 'zod';
import { WireTargetSchema } from '../../common/federation/messages.js';
import { OccurrenceSchema } from '../../common/occurrence.js';
import { checkedParser, SchemaMismatch } from '../../common/schema/checked-parse.js';
import { CountSchema, MsSchema } from '../../common/schema/scalars.js';
import { SeveritySchema } from '../../common/severity.js';
import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import type { Lineage } from '../state/lineages.js';
import { SnapshotFormatError } from './snapshot-format-error.js';
import { adoptSamples } from './snapshot-v2.js';

/**
 * Snapshot format 1, written by older hubs and still read so a hub upgrades in place: the whole state
 * as one msgpack value (with records) of compact arrays. This schema is its only definition.
 */
const Labels = z.record(z.string(), z.string());
export const SavedStateV1Schema = z.object({
  hubId: z.string(),
  savedAt: MsSchema,
  /** Journal files with a number at or above this one still need replaying. */
  journalFrom: z.number().int().nonnegative(),
  lineages: z.array(z.tuple([z.number().int().nonnegative(), z.string(), z.string(), Labels, z.array(z.string())])),
  sources: z.array(z.tuple([z.string(), z.enum(['agent', 'hub']), z.string(), Labels, z.array(z.tuple([z.string(), z.number().int().nonnegative()])), z.array(WireTargetSchema)])),
  services: z.array(z.tuple([
    z.string(),
    z.array(z.tuple([
      z.string(), SeveritySchema, MsSchema, MsSchema,
      z.array(CountSchema), // flat [lineage id, count, ...]
      z.array(OccurrenceSchema),
      z.tuple([MsSchema, CountSchema]).nullable(),
      MsSchema, MsSchema,
    ])),
  ])),
});
export type SavedStateV1 = z.infer<typeof SavedStateV1Schema>;

const parseV1 = checkedParser(SavedStateV1Schema);
const packr = new Packr({ useRecords: true });

function readV1(payload: Buffer): SavedStateV1 {
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (err) {
    throw new SnapshotFormatError(`a format 1 snapshot that cannot be decoded (${(err as Error).message})`);
  }
  try {
    return parseV1(value);
  } catch (err) {
    if (err instanceof SchemaMismatch) throw new SnapshotFormatError(`a format 1 snapshot invalid at ${err.where}: ${err.problem}`);
    throw err;
  }
}

/** Loads a version 1 payload into an empty state; returns the hub id and journal position. */
export function decodeSnapshotV1(payload: Buffer, state: HubState): { hubId: string; journalFrom: number; savedAt: number } {
  const saved = readV1(payload);
  const withSamples: HubGroup[] = [];
  for (const [id, name, epoch, labels, via] of saved.lineages) {
    const lineage: Lineage = { id, name, epoch, labels, via };
    state.lineages.restore(lineage);
  }
  for (const [name, kind, lastEpoch, labels, acked, targets] of saved.sources) {
    const s = state.source(name, kind, lastEpoch);
    s.labels = labels;
    for (const [epoch, seq] of acked) s.ackedSeqs.set(epoch, seq);
    for (const t of targets) s.targets.set(`${t.agent}\u0000${t.service}\u0000${t.url}`, t);
  }
  for (const [service, groups] of saved.services) {
    for (const [key, severity, createdAt, lastSeen, counts, samples, resolution, regressedAt, updatedAt] of groups) {
      const { group } = state.ensureGroup(service, key);
      group.severity = severity;
      group.createdAt = createdAt;
      group.lastSeen = lastSeen;
      let total = 0;
      for (let i = 0; i + 1 < counts.length; i += 2) {
        group.counts.set(counts[i] as number, counts[i + 1] as number);
        total += counts[i + 1] as number;
      }
      group.total = total;
      group.samples = samples;
      group.resolution = resolution ? { at: resolution[0], total: resolution[1] } : null;
      group.regressedAt = regressedAt;
      group.updatedAt = updatedAt;
      if (samples.length > 0) withSamples.push(group);
    }
  }
  adoptSamples(state, withSamples);
  return { hubId: saved.hubId, journalFrom: saved.journalFrom, savedAt: saved.savedAt };
}
