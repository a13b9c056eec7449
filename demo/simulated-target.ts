import type { Occurrence } from '../common/occurrence.js';
import { type ClientPayloadOut, toClientOccurrence, toRfc3339 } from '../common/wire/client-format.js';
import type { ErrorKind } from './error-kinds.js';
import { pseudoUuid } from './random.js';

interface Aggregate {
  readonly kind: ErrorKind;
  total: number;
  createdAt: number;
  samples: Occurrence[];
}

export interface SimulatedTargetOptions {
  readonly kinds: readonly ErrorKind[];
  readonly random: () => number;
  /** Samples kept per key, as a Periskop client does (default 10). */
  readonly samplesPerKey?: number;
  readonly now?: () => number;
}

/**
 * A simulated Periskop client: cumulative counts per key and a capped buffer of recent occurrences,
 * served as the client wire format. `tick()` records new errors; `restart()` is a process restart (new
 * target_uuid, counts from zero). Owned by a Fleet; deterministic for a given PRNG.
 */
export class SimulatedTarget {
  targetUuid: string;
  private aggregates = new Map<string, Aggregate>();
  /** Everything this target ever counted, across restarts: what the collectors must add up to. */
  private countedEver = new Map<string, number>();
  private readonly samplesPerKey: number;
  private readonly now: () => number;
  private cached: string | undefined;

  constructor(private readonly options: SimulatedTargetOptions) {
    this.targetUuid = pseudoUuid(options.random);
    this.samplesPerKey = options.samplesPerKey ?? 10;
    this.now = options.now ?? Date.now;
  }

  /** Records `n` new occurrences spread over the kinds by weight. */
  tick(n: number): void {
    const { kinds, random } = this.options;
    const totalWeight = kinds.reduce((s, k) => s + k.weight, 0);
    for (let i = 0; i < n; i++) {
      let r = random() * totalWeight;
      const kind = kinds.find((k) => (r -= k.weight) < 0) ?? (kinds[0] as ErrorKind);
      this.record(kind);
    }
  }

  /** Records one occurrence of `kind`. */
  record(kind: ErrorKind): void {
    const now = this.now();
    let agg = this.aggregates.get(kind.key);
    if (agg === undefined) {
      agg = { kind, total: 0, createdAt: now, samples: [] };
      this.aggregates.set(kind.key, agg);
    }
    agg.total++;
    this.countedEver.set(kind.key, (this.countedEver.get(kind.key) ?? 0) + 1);
    const chain = [{ class: kind.class, message: kind.message, stacktrace: kind.stacktrace }];
    if (kind.cause) chain.push(kind.cause);
    agg.samples.unshift({
      uuid: pseudoUuid(this.options.random),
      timestamp: now,
      severity: kind.severity,
      chain,
      http: { method: kind.method, url: `http://shop.example${kind.path}`, headers: { accept: 'application/json', 'user-agent': 'demo/1.0' }, body: kind.method === 'POST' ? '{"cart":"c-1"}' : '' },
    });
    if (agg.samples.length > this.samplesPerKey) agg.samples.length = this.samplesPerKey;
    this.cached = undefined;
  }

  /** A process restart: new uuid, counters from zero (what counter-reset handling is for). */
  restart(): void {
    this.targetUuid = pseudoUuid(this.options.random);
    this.aggregates = new Map();
    this.cached = undefined;
  }

  /** Occurrences counted since the target was created, per key (survives restarts). */
  totals(): ReadonlyMap<string, number> {
    return this.countedEver;
  }

  payload(): ClientPayloadOut {
    return {
      target_uuid: this.targetUuid,
      aggregated_errors: [...this.aggregates.values()].map((a) => ({
        aggregation_key: a.kind.key,
        total_count: a.total,
        severity: a.kind.severity,
        created_at: toRfc3339(a.createdAt),
        latest_errors: a.samples.map(toClientOccurrence),
      })),
    };
  }

  /** The JSON body, cached until the next change (an unchanged target serves identical bytes). */
  body(): string {
    this.cached ??= JSON.stringify(this.payload());
    return this.cached;
  }
}
