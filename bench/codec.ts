import { Packr, Unpackr } from 'msgpackr';
import { decodeSourceMessage, encodeMessage } from '../common/federation/codec.js';
import { DeltaSchema, type Sync, type WireGroup } from '../common/federation/messages.js';
import { WireStringEncoder } from '../common/federation/string-table.js';
import { compileExactCheck } from '../common/schema/exact-check.js';
import { seeded } from '../demo/random.js';
import { HubState } from '../hub/state/hub-state.js';
import { decodeSnapshotV2, snapshotFrames } from '../hub/store/snapshot-v2.js';
import { benchKinds, type BenchKind } from './fleet/bench-kinds.js';
import type { BenchContext } from './harness/context.js';
import type { BenchResult, Table } from './harness/report.js';
import { median, round } from './harness/stats.js';
import { DeltaSource } from './hub/delta-source.js';
import { benchOccurrence, groupKey, syntheticState } from './hub/synthetic.js';

interface Codec {
  readonly name: string;
  readonly encode: (value: unknown) => Buffer;
  readonly decode: (bytes: Buffer) => unknown;
}

/** The candidates: the federation codec's settings (records), msgpackr without records (the snapshot's), and JSON. */
const CODECS: readonly Codec[] = (() => {
  const records = new Packr({ useRecords: true, moreTypes: false });
  const recordsIn = new Unpackr({ useRecords: true, mapsAsObjects: true });
  const plain = new Packr({ useRecords: false, moreTypes: false });
  const plainIn = new Unpackr({ useRecords: false, mapsAsObjects: true });
  return [
    { name: 'msgpackr, records', encode: (v) => records.pack(v), decode: (b) => recordsIn.unpack(b) as unknown },
    { name: 'msgpackr, no records', encode: (v) => plain.pack(v), decode: (b) => plainIn.unpack(b) as unknown },
    { name: 'JSON', encode: (v) => Buffer.from(JSON.stringify(v)), decode: (b) => JSON.parse(b.toString('utf8')) as unknown },
  ];
})();

/** Median ms of one call of `fn`, over `reps` batches of at least ~20 ms each (after a warm-up call). */
export function timeOp(fn: () => void, reps: number): number {
  fn();
  let batch = 1;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - started >= 20 || batch >= 1 << 16) break;
    batch *= 2;
  }
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push((performance.now() - started) / batch);
  }
  return median(times);
}

/** A sync's first part as an agent sends it on a new connection: every group with its samples, strings defined as they are first used. */
function syncMessage(groups: number, samplesPerGroup: number): Sync {
  const random = seeded(5);
  const kinds = benchKinds(50);
  const strings = new WireStringEncoder();
  const now = Date.now();
  const wire: WireGroup[] = [];
  for (let i = 0; i < groups; i++) {
    const kind = kinds[i % kinds.length] as BenchKind;
    const samples = Array.from({ length: samplesPerGroup }, (_, s) => strings.encode(benchOccurrence(kind, random, now - s * 1000, i * 100 + s)));
    wire.push({ key: groupKey(kinds, i), severity: kind.severity, counts: [[0, 1000 + i]], created_at: now - 86_400_000, last_seen: now, samples });
  }
  const defs = strings.pendingDefinitions();
  return { t: 'sync', seq: 1, part: 0, last: true, services: [{ name: 'svc-1', groups: wire }], targets: [], ...(defs !== undefined ? { strings: defs } : {}) };
}

export interface CodecRow {
  readonly payload: string;
  readonly codec: string;
  readonly bytes: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** Sizes and speeds of each codec on the same values (a message, or the frames of a snapshot). */
export function compareCodecs(payload: string, values: readonly unknown[], reps: number): CodecRow[] {
  return CODECS.map((c) => {
    const encoded = values.map((v) => c.encode(v));
    return {
      payload,
      codec: c.name,
      bytes: encoded.reduce((n, b) => n + b.length, 0),
      encodeMs: timeOp(() => { for (const v of values) c.encode(v); }, reps),
      decodeMs: timeOp(() => { for (const b of encoded) c.decode(b); }, reps),
    };
  });
}

/**
 * msgpackr against JSON for what Crowsnest encodes (DESIGN section 4: the codec is chosen by
 * benchmark): a steady-state delta (samples by string-table reference), the first sync of a
 * connection (strings defined inline), and the frames of a hub snapshot; plus the hub's own snapshot
 * encoder and decoder end to end, and what zod validation adds to decoding a message.
 */
export function runCodecBench(o: BenchContext['options']['codec']): {
  rows: CodecRow[];
  validateMs: { delta: number; sync: number; exactDelta: number; zodDelta: number };
  snapshot: { groups: number; bytes: number; encodeMs: number; decodeMs: number };
} {
  const source = new DeltaSource({ seed: 3, services: ['svc-1', 'svc-2', 'svc-3', 'svc-4'], keysPerService: Math.max(1, Math.ceil(o.deltaGroups / 4)), updatesPerMessage: o.deltaGroups, sampleShare: 0.5 });
  const strings = new WireStringEncoder();
  source.next(1, Date.now(), strings);
  strings.commit();
  const delta = source.next(2, Date.now(), strings);
  const sync = syncMessage(o.syncGroups, 10);

  const state = syntheticState({ services: Array.from({ length: Math.ceil(o.snapshotGroups / 1000) }, (_, i) => [`svc-${i + 1}`, Math.min(1000, o.snapshotGroups - i * 1000)] as [string, number]), lineages: 20, samplesPerGroup: 5, withSamples: 0.5, withSeries: 0.2, now: Date.now() });
  const frames = [...snapshotFrames(state, 'bench', 1, Date.now())];
  const unpack = new Unpackr({ useRecords: false, mapsAsObjects: true });
  const frameValues = frames.map((f) => unpack.unpack(f.subarray(4)) as unknown);
  const payload = Buffer.concat(frames);
  const snapshot = {
    groups: state.stats().groups,
    bytes: payload.length,
    encodeMs: timeOp(() => { for (const f of snapshotFrames(state, 'bench', 1, Date.now())) if (f.length < 0) throw new Error('unreachable'); }, Math.min(3, o.reps)),
    decodeMs: timeOp(() => decodeSnapshotV2(payload, new HubState({ samplesPerGroup: 20 })), Math.min(3, o.reps)),
  };
  const rows = [
    ...compareCodecs(`delta: ${o.deltaGroups} groups, half with a new sample (string refs)`, [delta], o.reps),
    ...compareCodecs(`sync: ${o.syncGroups} groups x 10 samples (strings defined)`, [sync], o.reps),
    ...compareCodecs(`snapshot frames: ${snapshot.groups} groups`, frameValues, o.reps),
  ];
  const deltaFrame = encodeMessage(delta);
  const syncFrame = encodeMessage(sync);
  // The two ways a decoded frame is validated (codec.ts): the exact check, and zod for what it refuses.
  const decodedDelta = (CODECS[0] as Codec).decode(deltaFrame);
  const exact = compileExactCheck(DeltaSchema);
  const validateMs = {
    delta: timeOp(() => decodeSourceMessage(deltaFrame, 64 * 1024 * 1024), o.reps),
    sync: timeOp(() => decodeSourceMessage(syncFrame, 64 * 1024 * 1024), o.reps),
    exactDelta: timeOp(() => {
      if (!exact(decodedDelta)) throw new Error('the bench delta fails its exact check');
    }, o.reps),
    zodDelta: timeOp(() => DeltaSchema.safeParse(decodedDelta), o.reps),
  };
  return { rows, validateMs, snapshot };
}

export async function codecBench(ctx: BenchContext): Promise<BenchResult> {
  ctx.log('codec: msgpackr vs JSON');
  const { rows, validateMs, snapshot } = runCodecBench(ctx.options.codec);
  const json = (payload: string) => rows.find((r) => r.payload === payload && r.codec === 'JSON');
  const tables: Table[] = [
    {
      title: 'Codec: msgpackr vs JSON on the same values (federation messages use records; snapshot frames do not)',
      header: ['payload', 'codec', 'KB', 'size vs JSON', 'encode ms', 'decode ms'],
      rows: rows.map((r) => [r.payload, r.codec, round(r.bytes / 1024), `${round((100 * r.bytes) / (json(r.payload)?.bytes ?? r.bytes))}%`, round(r.encodeMs), round(r.decodeMs)]),
    },
    {
      title: 'Codec in the hub: federation decode + validation; the snapshot store end to end',
      header: ['what', 'ms', 'notes'],
      rows: [
        ['decodeSourceMessage (unpack + validate), delta', round(validateMs.delta), `unpack alone: ${round(rows.find((r) => r.payload.startsWith('delta') && r.codec === 'msgpackr, records')?.decodeMs ?? 0)} ms`],
        ['decodeSourceMessage (unpack + validate), sync', round(validateMs.sync), `unpack alone: ${round(rows.find((r) => r.payload.startsWith('sync') && r.codec === 'msgpackr, records')?.decodeMs ?? 0)} ms`],
        ['exact check of the decoded delta (compileExactCheck)', round(validateMs.exactDelta), 'what validating a valid frame costs'],
        ['zod safeParse of the decoded delta', round(validateMs.zodDelta), 'what a frame the exact check refuses costs on top'],
        [`snapshotFrames, ${snapshot.groups} groups`, round(snapshot.encodeMs), `${round(snapshot.bytes / 1024)} KB, ${round(snapshot.bytes / snapshot.groups)} B/group`],
        [`decodeSnapshotV2 into a new state, ${snapshot.groups} groups`, round(snapshot.decodeMs), 'includes building groups and adopting samples'],
      ],
    },
  ];
  return { name: 'codec', tables, checks: [], figures: { rows, validateMs, snapshot } };
}
