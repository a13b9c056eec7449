import { WebSocket } from 'ws';
import { decodeHubMessage, encodeMessage } from '../../common/federation/codec.js';
import { FEDERATION_ERRORS } from '../../common/federation/errors.js';
import type { SourceMessage, WireGroup, WireService } from '../../common/federation/messages.js';
import { WireStringEncoder } from '../../common/federation/string-table.js';
import { seeded } from '../../demo/random.js';
import { BENCH_TOKEN } from '../harness/context.js';
import { benchKinds, type BenchKind } from '../fleet/bench-kinds.js';
import { benchOccurrence } from './synthetic.js';

/** The fleet every source takes its share of: `groups` over `services`, the first `bigGroups` in one service. */
export interface ScaleFleet {
  readonly sources: number;
  readonly groups: number;
  readonly services: number;
  readonly bigGroups: number;
  /** Groups per sync part (one frame). */
  readonly partSize: number;
  /** Share of groups (in a sync) and of updates (in a delta) that carry one new sample. */
  readonly sampleShare: number;
}

export const BIG_SERVICE = 'big-service';

const KINDS = benchKinds(50);
const CREATED = Date.now() - 86_400_000;

/** The service and key of global group slot `g` of the fleet. */
export function slotGroup(fleet: ScaleFleet, g: number): { service: string; key: string; kind: BenchKind } {
  const kind = KINDS[g % KINDS.length] as BenchKind;
  const service = g < fleet.bigGroups ? BIG_SERVICE : `svc-${((g - fleet.bigGroups) % (fleet.services - 1)) + 1}`;
  return { service, key: `${kind.key}-${g.toString(36)}`, kind };
}

/**
 * One simulated agent speaking the federation protocol to a real hub: hello, its whole share of the
 * fleet as a sync in parts (each part waits for its ack), then deltas when asked. Reconnects by
 * itself (as agents do, with a short backoff) and re-syncs; counts busy closes. Counts are cumulative
 * per group, so what the hub shows is checkable: the sum of `counts`.
 */
export class ScaleSource {
  readonly name: string;
  readonly counts: Float64Array;
  /** Ack latencies of deltas (ms), in the order acked. */
  readonly ackMs: number[] = [];
  busyCloses = 0;
  otherCloses = 0;
  syncs = 0;
  /** When the last sync's last part was acked (performance.now()), or 0 while syncing. */
  syncedAt = 0;
  private readonly first: number;
  private readonly random: () => number;
  private ws: WebSocket | undefined;
  private strings = new WireStringEncoder();
  private seq = 0;
  private cursor = 0;
  private sampleNo = 0;
  private inFlight: { seq: number; at: number; delta: boolean } | undefined;
  private syncNext = 0;
  private stopped = false;
  private readonly pendingSlots = new Set<number>();

  constructor(private readonly fleet: ScaleFleet, index: number, private readonly port: () => number) {
    this.name = `scale-agent-${index + 1}`;
    const per = Math.floor(fleet.groups / fleet.sources);
    this.first = index * per;
    this.counts = new Float64Array(per).fill(1);
    this.random = seeded(1_000 + index);
  }

  get total(): number {
    let sum = 0;
    for (const c of this.counts) sum += c;
    return sum;
  }

  /** A message is waiting for its ack. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  get synced(): boolean {
    return this.syncedAt > 0;
  }

  connect(): void {
    if (this.stopped) return;
    this.syncedAt = 0;
    this.inFlight = undefined;
    this.strings = new WireStringEncoder();
    const ws = new WebSocket(`ws://127.0.0.1:${this.port()}/federate`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` }, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
    this.ws = ws;
    ws.on('open', () => this.send({ t: 'hello', protocol: 1, name: this.name, epoch: 'e1', kind: 'agent', labels: { region: 'bench' }, version: 'bench', path: [] }, false));
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (code === FEDERATION_ERRORS.CN_ERR_BUSY) this.busyCloses++;
      else if (!this.stopped) this.otherCloses++;
      // Agents back off briefly and retry; a restarting hub refuses connections for a while.
      if (!this.stopped) setTimeout(() => this.connect(), 250 + Math.floor(this.random() * 250)).unref();
    });
  }

  /** One delta of `updates` group updates, unless the previous one is still unacked (then they wait). */
  tick(updates: number): boolean {
    for (let u = 0; u < updates; u++) {
      this.pendingSlots.add(this.cursor);
      this.cursor = (this.cursor + 1 + Math.floor(this.random() * 7)) % this.counts.length;
    }
    if (!this.synced || this.inFlight !== undefined || this.ws === undefined) return false;
    const slots = [...this.pendingSlots];
    this.pendingSlots.clear();
    const now = Date.now();
    for (const s of slots) this.counts[s] = (this.counts[s] as number) + 1 + Math.floor(this.random() * 3);
    const services = this.servicesOf(slots, now, this.fleet.sampleShare);
    this.send({ t: 'delta', seq: ++this.seq, services, targets: [], ...this.definitions() }, true);
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  private onMessage(data: Buffer): void {
    const message = decodeHubMessage(data, 1024 * 1024);
    if (message.t === 'welcome') {
      this.syncs++;
      this.syncNext = 0;
      this.sendSyncPart();
      return;
    }
    const inFlight = this.inFlight;
    if (inFlight === undefined || message.seq !== inFlight.seq) return;
    this.inFlight = undefined;
    if (inFlight.delta) this.ackMs.push(performance.now() - inFlight.at);
    else if (this.syncNext < this.counts.length) this.sendSyncPart();
    else this.syncedAt = performance.now();
  }

  private sendSyncPart(): void {
    const from = this.syncNext;
    const to = Math.min(this.counts.length, from + this.fleet.partSize);
    this.syncNext = to;
    const slots = Array.from({ length: to - from }, (_, i) => from + i);
    const services = this.servicesOf(slots, Date.now(), this.fleet.sampleShare);
    this.send({ t: 'sync', seq: ++this.seq, part: from / this.fleet.partSize, last: to === this.counts.length, services, targets: [], ...this.definitions() }, false);
  }

  private servicesOf(slots: readonly number[], now: number, sampleShare: number): WireService[] {
    const byService = new Map<string, WireGroup[]>();
    for (const s of slots) {
      const { service, key, kind } = slotGroup(this.fleet, this.first + s);
      const samples = this.random() < sampleShare ? [this.strings.encode(benchOccurrence(kind, this.random, now, ++this.sampleNo))] : [];
      let groups = byService.get(service);
      if (groups === undefined) byService.set(service, (groups = []));
      groups.push({ key, severity: kind.severity, counts: [[0, this.counts[s] as number]], created_at: CREATED, last_seen: now, samples });
    }
    return [...byService].map(([name, groups]) => ({ name, groups }));
  }

  private definitions(): { strings?: ReturnType<WireStringEncoder['pendingDefinitions']> } {
    const defs = this.strings.pendingDefinitions();
    this.strings.commit();
    return defs === undefined ? {} : { strings: defs };
  }

  private send(message: SourceMessage, delta: boolean): void {
    if (message.t !== 'hello') this.inFlight = { seq: message.seq, at: performance.now(), delta };
    this.ws?.send(encodeMessage(message));
  }
}
