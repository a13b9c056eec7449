import type { Delta, WireGroup, WireOccurrence, WireService } from '../../common/federation/messages.js';
import type { WireStringEncoder } from '../../common/federation/string-table.js';
import { seeded } from '../../demo/random.js';
import { benchKinds, type BenchKind } from '../fleet/bench-kinds.js';
import { benchOccurrence, groupKey } from './synthetic.js';

export interface DeltaSourceSpec {
  readonly seed: number;
  readonly services: readonly string[];
  readonly keysPerService: number;
  readonly updatesPerMessage: number;
  /** Share of group updates that carry one new sample. */
  readonly sampleShare: number;
}

/**
 * One simulated agent's stream of deltas, as an agent at steady state sends them: each message
 * updates `updatesPerMessage` groups (a window sliding over its keys) with cumulative counts that
 * grew by 1 to 3, newer last_seen, and on some of them one new sample. With a string encoder the
 * samples go out as the real link sends them (classes, messages and stack traces by reference).
 */
export class DeltaSource {
  private readonly random: () => number;
  private readonly kinds: BenchKind[];
  private readonly counts: number[];
  private readonly keys: string[];
  private cursor = 0;
  private sampleNo = 0;

  constructor(private readonly spec: DeltaSourceSpec) {
    this.random = seeded(spec.seed);
    this.kinds = benchKinds(50);
    this.keys = Array.from({ length: spec.keysPerService }, (_, i) => groupKey(this.kinds, i));
    this.counts = new Array<number>(spec.services.length * spec.keysPerService).fill(0);
  }

  /** The next delta; `strings` encodes its samples when given (the message then carries new definitions). */
  next(seq: number, now: number, strings?: WireStringEncoder): Delta {
    const { services, keysPerService, updatesPerMessage, sampleShare } = this.spec;
    const byService = new Map<string, WireGroup[]>();
    const total = this.counts.length;
    for (let u = 0; u < Math.min(updatesPerMessage, total); u++) {
      const slot = this.cursor;
      this.cursor = (this.cursor + 1) % total;
      const service = services[Math.floor(slot / keysPerService)] as string;
      const k = slot % keysPerService;
      const kind = this.kinds[k % this.kinds.length] as BenchKind;
      const count = (this.counts[slot] as number) + 1 + Math.floor(this.random() * 3);
      this.counts[slot] = count;
      const samples: WireOccurrence[] = [];
      if (this.random() < sampleShare) {
        const o = benchOccurrence(kind, this.random, now, ++this.sampleNo);
        samples.push(strings === undefined ? o : strings.encode(o));
      }
      let groups = byService.get(service);
      if (groups === undefined) byService.set(service, (groups = []));
      groups.push({ key: this.keys[k] as string, severity: kind.severity, counts: [[0, count]], created_at: now - 86_400_000, last_seen: now, samples });
    }
    const defs = strings?.pendingDefinitions();
    const out: WireService[] = [...byService].map(([name, groups]) => ({ name, groups }));
    return { t: 'delta', seq, services: out, targets: [], ...(defs !== undefined ? { strings: defs } : {}) };
  }
}
