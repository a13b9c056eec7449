import { toClientOccurrence, toRfc3339 } from '../../common/wire/client-format.js';
import { pseudoUuid } from '../../demo/random.js';
import type { BenchKind } from './bench-kinds.js';

interface Aggregate {
  readonly kind: BenchKind;
  total: number;
  createdAt: number;
  /** JSON text of each sample, newest first. */
  samples: string[];
  /** UTF-8 JSON of the whole aggregate; undefined after a change. */
  json: Buffer | undefined;
}

export interface BenchTargetOptions {
  readonly kinds: readonly BenchKind[];
  readonly random: () => number;
  readonly samplesPerKey: number;
  readonly now: () => number;
}

/**
 * A simulated Periskop client for the benchmarks: every key present from the start with a full sample
 * buffer (a long-running instance), each aggregate's JSON text cached and rebuilt only when that key
 * changes, so serving 1,000 targets of 270 KB costs the fleet little next to the agent it measures.
 * `record(n)` adds n occurrences (to n random keys); `restart()` is a new instance (new uuid, counts
 * from zero, all samples new). Deterministic for a given PRNG and clock.
 */
export class BenchTarget {
  targetUuid: string;
  private aggregates: Aggregate[] = [];
  private body: Buffer | undefined;
  private sequence = 0;

  constructor(private readonly options: BenchTargetOptions) {
    this.targetUuid = pseudoUuid(options.random);
    this.fill(() => 100 + Math.floor(options.random() * 10_000));
  }

  /** The body as served: cached until the next change. */
  bytes(): Buffer {
    if (this.body === undefined) {
      const parts: Buffer[] = [Buffer.from(`{"target_uuid":${JSON.stringify(this.targetUuid)},"aggregated_errors":[`)];
      this.aggregates.forEach((a, i) => {
        if (i > 0) parts.push(COMMA);
        parts.push((a.json ??= Buffer.from(aggregateJson(a))));
      });
      parts.push(END);
      this.body = Buffer.concat(parts);
    }
    return this.body;
  }

  /** Records `n` new occurrences, each on a key picked at random (a key may get several). */
  record(n: number): void {
    const now = this.options.now();
    for (let i = 0; i < n; i++) {
      const a = this.aggregates[Math.floor(this.options.random() * this.aggregates.length)] as Aggregate;
      a.total++;
      a.samples.unshift(this.sample(a.kind, now));
      if (a.samples.length > this.options.samplesPerKey) a.samples.length = this.options.samplesPerKey;
      a.json = undefined;
    }
    if (n > 0) this.body = undefined;
  }

  /** A process restart: new uuid, counts from small numbers, every sample new. */
  restart(): void {
    this.targetUuid = pseudoUuid(this.options.random);
    this.fill(() => 1 + Math.floor(this.options.random() * 10));
  }

  private fill(total: () => number): void {
    const now = this.options.now();
    this.aggregates = this.options.kinds.map((kind) => {
      const samples: string[] = [];
      for (let s = 0; s < this.options.samplesPerKey; s++) samples.push(this.sample(kind, now - (s + 1) * 1_000));
      return { kind, total: total(), createdAt: now - 3_600_000, samples, json: undefined };
    });
    this.body = undefined;
  }

  private sample(kind: BenchKind, at: number): string {
    const n = ++this.sequence;
    const chain = [{ class: kind.class, message: kind.vary ? kind.message.replace('{n}', String(100_000 + n)) : kind.message, stacktrace: [...kind.stacktrace] }];
    if (kind.cause !== undefined) chain.push({ ...kind.cause, stacktrace: [...kind.cause.stacktrace] });
    const withHttp = n % 5 !== 0;
    return JSON.stringify(
      toClientOccurrence({
        uuid: pseudoUuid(this.options.random),
        timestamp: at,
        severity: kind.severity,
        chain,
        http: withHttp ? { method: kind.method, url: `http://shop.example${kind.path}?id=${n}`, headers: { accept: 'application/json', 'user-agent': 'shop/2.3' }, body: kind.method === 'POST' ? '{"cart":"c-1"}' : '' } : null,
      }),
    );
  }
}

const COMMA = Buffer.from(',');
const END = Buffer.from(']}');

function aggregateJson(a: Aggregate): string {
  return `{"aggregation_key":${JSON.stringify(a.kind.key)},"total_count":${a.total},"severity":"${a.kind.severity}","created_at":"${toRfc3339(a.createdAt)}","latest_errors":[${a.samples.join(',')}]}`;
}
