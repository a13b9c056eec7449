import { Packr } from 'msgpackr';
import type { ErrorDetail, HttpContext, Occurrence } from '../../common/occurrence.js';
import { checkedParser, SchemaMismatch } from '../../common/schema/checked-parse.js';
import { SnapshotFormatError } from './snapshot-format-error.js';
import type { Headline, HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import { bucketsHeld, pruneSeries, type SeriesData } from '../state/series.js';
import type { LineageTallies } from '../state/group-tags.js';
import {
  FRAME, type Frame, GroupsFrameSchema, HeadFrameSchema, NotifyFrameSchema, type SavedGroup, type SavedGroupFields, type SavedLineage, type SavedSample, type SavedSeries,
  type SavedSource, type SavedTags, ServiceFrameSchema, SourceStatsFrameSchema, TailFrameSchema,
} from './snapshot-schema.js';

/**
 * Snapshot format version 2: a sequence of frames `[u32 length][msgpack]`, so a large state is encoded
 * a few thousand groups at a time with the event loop free in between, and decoded frame by frame
 * without building one giant object. Frames, in order:
 *   head     hub id, save time, journal position, sources (taken first: their acked seqs must never be
 *            ahead of the group data that follows, which is only ever newer);
 *   source stats  each source's last message time and message, byte and connection counts
 *            (optional: absent in snapshots of older hubs);
 *   service  a service's series, before its groups;
 *   groups   up to GROUPS_PER_FRAME groups of one service, with a frame-local table of classes,
 *            messages and stack traces (identical ones stored once, shared again after loading);
 *   notify   the notifier's epoch and alert history (optional: absent in snapshots of older hubs);
 *   tail     every lineage (taken last, so each lineage a group refers to is in it).
 * The layout of each frame is its schema in snapshot-schema.ts; snapshot-codec.ts picks the version.
 */

/** Groups per frame: a frame costs a few milliseconds to encode. */
export const GROUPS_PER_FRAME = 1_000;

/** Each frame type's parser: the exact check of its schema first, zod for what it refuses. */
const PARSERS: Readonly<Record<number, (value: unknown) => Frame>> = {
  [FRAME.head]: checkedParser(HeadFrameSchema),
  [FRAME.service]: checkedParser(ServiceFrameSchema),
  [FRAME.groups]: checkedParser(GroupsFrameSchema),
  [FRAME.tail]: checkedParser(TailFrameSchema),
  [FRAME.notify]: checkedParser(NotifyFrameSchema),
  [FRAME.sourceStats]: checkedParser(SourceStatsFrameSchema),
};

const packr = new Packr({ useRecords: false, moreTypes: false });

function frame(value: Frame): Buffer {
  const body = packr.pack(value);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export interface EncodeFigures {
  groups: number;
  /** Non-empty series buckets held after pruning (a memory figure). */
  seriesBuckets: number;
}

/**
 * The frames of a snapshot of `state`, produced lazily: a caller that writes each frame before asking
 * for the next lets merges run in between (they only ever make held values newer). Also drops series
 * buckets that left their windows (an idle group ends with no series). `figures` is filled as it goes.
 */
export function* snapshotFrames(state: HubState, hubId: string, journalFrom: number, now: number, figures: EncodeFigures = { groups: 0, seriesBuckets: 0 }, notify?: unknown): Generator<Buffer> {
  const sources: SavedSource[] = [...state.sources.values()].map((s) => [s.name, s.kind, s.lastEpoch, s.labels, [...s.ackedSeqs], [...s.targets.values()]]);
  yield frame([FRAME.head, hubId, now, journalFrom, sources]);
  yield frame([FRAME.sourceStats, [...state.sources.values()].map((s) => [s.name, s.lastMessageAt, s.messagesIn, s.bytesIn, s.connections])]);
  for (const [name, groups] of [...state.services]) {
    const series = pruneSeries(state.serviceSeries.get(name) ?? null, now);
    if (series === null) state.serviceSeries.delete(name);
    yield frame([FRAME.service, name, saveSeries(series)]);
    const list = [...groups.values()];
    for (let start = 0; start < list.length; start += GROUPS_PER_FRAME) {
      const table = new FrameTable();
      const saved: SavedGroup[] = [];
      const end = Math.min(list.length, start + GROUPS_PER_FRAME);
      for (let i = start; i < end; i++) {
        const g = list[i] as HubGroup;
        g.series = pruneSeries(g.series, now);
        figures.seriesBuckets += bucketsHeld(g.series);
        saved.push(saveGroup(g, table));
      }
      figures.groups += saved.length;
      yield frame([FRAME.groups, name, table.texts, table.stacks, saved]);
    }
  }
  if (notify !== undefined) yield frame([FRAME.notify, notify]);
  const lineages: SavedLineage[] = [...state.lineages.all()].map((l) => [l.id, l.name, l.epoch, l.labels, l.via]);
  yield frame([FRAME.tail, lineages]);
}

/** Strings and stack traces of one frame, each stored once and referred to by index. */
class FrameTable {
  readonly texts: string[] = [];
  readonly stacks: string[][] = [];
  private readonly textIds = new Map<string, number>();
  private readonly stackIds = new Map<readonly string[], number>();

  text(s: string): number {
    let id = this.textIds.get(s);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(s);
      this.textIds.set(s, id);
    }
    return id;
  }

  /** Stack traces are compared by identity: interned ones are shared, which is the common case. */
  stack(lines: readonly string[] | null): number {
    if (lines === null) return -1;
    let id = this.stackIds.get(lines);
    if (id === undefined) {
      id = this.stacks.length;
      this.stacks.push(lines as string[]);
      this.stackIds.set(lines, id);
    }
    return id;
  }
}

function saveSeries(s: SeriesData | null): SavedSeries {
  return s === null ? null : [s.minutes, s.hours];
}

function saveGroup(g: HubGroup, table: FrameTable): SavedGroup {
  const counts: number[] = [];
  for (const [id, n] of g.counts) counts.push(id, n);
  const samples: SavedSample[] = g.samples.map((o) => {
    const chain: number[] = [];
    for (const d of o.chain) chain.push(table.text(d.class), table.text(d.message), table.stack(d.stacktrace));
    const h = o.http;
    return [o.uuid, o.timestamp, o.severity, chain, h === null ? null : [h.method, h.url, h.headers, h.body]];
  });
  const fields: SavedGroupFields = [
    g.key, g.severity, g.createdAt, g.lastSeen, counts, samples,
    g.resolution === null ? null : [g.resolution.at, g.resolution.total],
    g.regressedAt, g.updatedAt, saveSeries(g.series),
    g.headline === null ? null : [table.text(g.headline.class), table.text(g.headline.message)],
    g.samplesEvicted ? 1 : 0,
  ];
  if (g.environments === undefined && g.releases === undefined) return fields;
  return [...fields, [saveTallies(g.environments), saveTallies(g.releases)]];
}

function saveTallies(tallies: LineageTallies | undefined): SavedTags {
  const out: SavedTags = [];
  for (const [id, tally] of tallies ?? []) for (const [value, e] of tally) out.push([id, value, e.count, e.first, e.last]);
  return out;
}

function loadTallies(saved: SavedTags): LineageTallies | undefined {
  if (saved.length === 0) return undefined;
  const out: LineageTallies = new Map();
  for (const [id, value, count, first, last] of saved) {
    let tally = out.get(id);
    if (tally === undefined) out.set(id, (tally = new Map()));
    tally.set(value, { count, first, last });
  }
  return out;
}

/**
 * Loads a version 2 payload into an empty state; returns the hub id and journal position. Groups are
 * built directly (no per-group events); samples are handed to the sample store in the order they were
 * last updated, so the budget evicts the same groups first as before the restart.
 */
export function decodeSnapshotV2(payload: Buffer, state: HubState): { hubId: string; journalFrom: number; savedAt: number; notify?: unknown } {
  let head: { hubId: string; journalFrom: number; savedAt: number } | undefined;
  let notify: unknown;
  let tail = false;
  const withSamples: HubGroup[] = [];
  let off = 0;
  while (off < payload.length) {
    if (payload.length - off < 4) throw new SnapshotFormatError(`frame header cut short at byte ${off}`);
    const length = payload.readUInt32BE(off);
    if (payload.length - off - 4 < length) throw new SnapshotFormatError(`frame at byte ${off} is cut short`);
    const f = readFrame(payload.subarray(off + 4, off + 4 + length), off);
    off += 4 + length;
    switch (f[0]) {
      case FRAME.head: {
        const [, hubId, savedAt, journalFrom, sources] = f;
        head = { hubId, savedAt, journalFrom };
        for (const [name, kind, lastEpoch, labels, acked, targets] of sources) {
          const s = state.source(name, kind, lastEpoch);
          s.labels = labels;
          for (const [epoch, seq] of acked) s.ackedSeqs.set(epoch, seq);
          for (const t of targets) s.targets.set(`${t.agent}\u0000${t.service}\u0000${t.url}`, t);
        }
        break;
      }
      case FRAME.service:
        if (f[2] !== null) state.serviceSeries.set(f[1], { minutes: f[2][0], hours: f[2][1] });
        break;
      case FRAME.groups: {
        const [, service, texts, stacks, groups] = f;
        for (const saved of groups) {
          const group = loadGroup(service, saved, texts, stacks);
          state.restoreGroup(group);
          if (group.samples.length > 0) withSamples.push(group);
        }
        break;
      }
      case FRAME.notify:
        notify = f[1];
        break;
      case FRAME.sourceStats:
        for (const [name, lastMessageAt, messages, bytesIn, connections] of f[1]) {
          const s = state.sources.get(name);
          if (s === undefined) continue;
          s.lastMessageAt = lastMessageAt;
          s.messagesIn = messages;
          s.bytesIn = bytesIn;
          s.connections = connections;
        }
        break;
      case FRAME.tail:
        for (const [id, name, epoch, labels, via] of f[1]) state.lineages.restore({ id, name, epoch, labels, via });
        tail = true;
        break;
    }
  }
  if (head === undefined || !tail) throw new SnapshotFormatError('the head or tail frame is missing');
  adoptSamples(state, withSamples);
  return notify === undefined ? head : { ...head, notify };
}

/** Decodes and checks one frame against its type's schema; damage is named with its byte offset. */
function readFrame(bytes: Buffer, off: number): Frame {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new SnapshotFormatError(`frame at byte ${off} cannot be decoded (${(err as Error).message})`);
  }
  const type = Array.isArray(value) ? (value[0] as unknown) : undefined;
  const parse = typeof type === 'number' ? PARSERS[type] : undefined;
  if (parse === undefined) throw new SnapshotFormatError(Array.isArray(value) ? `frame at byte ${off} has an unknown type ${String(type)}` : `frame at byte ${off} is not a list`);
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof SchemaMismatch) throw new SnapshotFormatError(`frame at byte ${off} (type ${type}) is invalid at ${err.where}: ${err.problem}`);
    throw err;
  }
}

/** Gives loaded groups' samples to the sample store, least recently updated first. */
export function adoptSamples(state: HubState, groups: HubGroup[]): void {
  groups.sort((a, b) => a.updatedAt - b.updatedAt);
  state.samples.adopt(groups);
}

function loadGroup(service: string, saved: SavedGroup, texts: string[], stacks: string[][]): HubGroup {
  const [key, severity, createdAt, lastSeen, flat, savedSamples, resolution, regressedAt, updatedAt, series, headline, evicted, tags] = saved;
  const counts = new Map<number, number>();
  let total = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const n = flat[i + 1] as number;
    counts.set(flat[i] as number, n);
    total += n;
  }
  const text = (ref: number): string => texts[ref] ?? '';
  const samples: Occurrence[] = savedSamples.map(([uuid, timestamp, sev, chainRefs, http]) => {
    const chain: ErrorDetail[] = [];
    for (let i = 0; i + 2 < chainRefs.length; i += 3) {
      const stackRef = chainRefs[i + 2] as number;
      chain.push({ class: text(chainRefs[i] as number), message: text(chainRefs[i + 1] as number), stacktrace: stackRef < 0 ? null : (stacks[stackRef] ?? null) });
    }
    const h: HttpContext | null = http === null ? null : { method: http[0], url: http[1], headers: http[2], body: http[3] };
    return { uuid, timestamp, severity: sev, chain, http: h };
  });
  const head: Headline | null = headline === null ? null : { class: text(headline[0]), message: text(headline[1]) };
  return {
    service, key, severity, createdAt, lastSeen, counts, total, samples,
    resolution: resolution === null ? null : { at: resolution[0], total: resolution[1] },
    regressedAt, updatedAt, headline: head, samplesEvicted: evicted === 1,
    series: series === null ? null : { minutes: series[0], hours: series[1] },
    searchText: null,
    ...tagFields(tags),
  };
}

/** Both fields, always (one object shape for every group, see HubGroup). */
function tagFields(tags: [SavedTags, SavedTags] | undefined): Pick<HubGroup, 'environments' | 'releases' | 'tagIndex'> {
  return tags === undefined ? { environments: undefined, releases: undefined, tagIndex: undefined } : { environments: loadTallies(tags[0]), releases: loadTallies(tags[1]), tagIndex: undefined };
}
