import { encodeMessage } from './codec.js';
import type { LinkConnection } from './link-source.js';
import type { Intake } from './intake.js';
import type { Delta, Sync, WireService, WireSourceStatus, WireTarget } from './messages.js';
import type { TargetRemoval } from './pending-changes.js';
import type { WireStringEncoder } from './string-table.js';

/** A message is split when its frame passes this share of the frame limit (room for the hub's own checks). */
export const FRAME_FILL = 0.9;

/** Everything one sync part or delta carries, chosen by the link. */
export interface FrameContent<G> {
  readonly seq: number;
  /** Groups to send, oldest change first; the builder may send only the first part of them. */
  readonly groups: readonly G[];
  /** Dirty groups in all: a sync part that takes every one of them is the last. */
  readonly pendingGroups: number;
  readonly targets: readonly WireTarget[];
  readonly removed: readonly TargetRemoval[];
  readonly sources: WireSourceStatus[] | undefined;
  /** The source's intake figures, when they go with this message. */
  readonly intake?: Intake | undefined;
  readonly targetsComplete: boolean;
  /** A sync part (with its number) rather than a delta. */
  readonly sync: { readonly part: number } | undefined;
  /** A group's samples above this mark are new to the hub (-1: all). */
  readonly sinceMark: (group: G) => number;
}

/** The frame to send and what it holds. */
export interface BuiltFrame<G> {
  readonly frame: Buffer;
  readonly groups: readonly G[];
  /** The last part of a sync. */
  readonly last: boolean;
  /** One group's samples alone passed the frame limit: it went with its counts only. */
  readonly countsOnly: boolean;
}

/**
 * Encodes one sync part or delta under `frameBytes`: the groups are halved until the frame fits
 * (each try rolls back the lineage and string definitions it would have sent), and a single group
 * whose samples alone pass the limit goes with its counts only, so the link never blocks.
 * Example: 5,000 groups that make 20 MiB at a 16 MiB limit: 2,500 are sent, the rest stay pending.
 * Pure but for the connection's and string table's pending definitions, which it commits.
 */
export function buildFrame<G extends object>(content: FrameContent<G>, connection: LinkConnection<G>, strings: WireStringEncoder, frameBytes: number): BuiltFrame<G> {
  let batch = content.groups;
  let countsOnly = false;
  for (;;) {
    const services = new Map<string, WireService>();
    for (const g of batch) {
      const { service, group } = connection.toWire(g, countsOnly ? Number.MAX_SAFE_INTEGER : content.sinceMark(g));
      let s = services.get(service);
      if (s === undefined) services.set(service, (s = { name: service, groups: [] }));
      s.groups.push({ ...group, samples: group.samples.map((o) => strings.encode(o)) });
    }
    const last = content.sync !== undefined && content.pendingGroups === batch.length;
    const lineages = connection.pendingLineageDefs();
    const stringDefs = strings.pendingDefinitions();
    const body = {
      seq: content.seq,
      services: [...services.values()],
      targets: [...content.targets],
      ...(lineages !== undefined ? { lineages } : {}),
      ...(stringDefs !== undefined ? { strings: stringDefs } : {}),
      ...(content.removed.length > 0 ? { targets_removed: [...content.removed] } : {}),
      ...(content.sources !== undefined ? { sources: content.sources } : {}),
      ...(content.targetsComplete ? { targets_complete: true } : {}),
      ...(content.intake !== undefined ? { intake: content.intake } : {}),
    };
    const message: Sync | Delta = content.sync !== undefined ? { t: 'sync', ...body, part: content.sync.part, last } : { t: 'delta', ...body };
    const frame = encodeMessage(message);
    if (frame.length > frameBytes * FRAME_FILL && batch.length > 1) {
      connection.rollbackLineageDefs();
      strings.rollback();
      batch = batch.slice(0, Math.ceil(batch.length / 2));
      continue;
    }
    if (frame.length > frameBytes && !countsOnly) {
      connection.rollbackLineageDefs();
      strings.rollback();
      countsOnly = true;
      continue;
    }
    connection.commitLineageDefs();
    strings.commit();
    return { frame, groups: batch, last, countsOnly };
  }
}
