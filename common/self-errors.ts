import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { HttpContext, Occurrence } from './occurrence.js';
import type { Severity } from './severity.js';
import { type ClientPayloadOut, toClientOccurrence, toRfc3339 } from './wire/client-format.js';

interface SelfAggregate {
  key: string;
  severity: Severity;
  total: number;
  createdAt: number;
  samples: Occurrence[];
}

const MAX_KEYS = 1_000;
const SAMPLES_PER_KEY = 10;

/**
 * A process's own errors, kept the way a Periskop client keeps them (cumulative count per key, a few
 * newest samples) and served at its `GET /errors`, so a Crowsnest agent can scrape its peers and
 * itself. Bounded: at most 1,000 keys. Owned by the process (one per hub and agent); lives forever.
 */
export class SelfErrors {
  readonly targetUuid = randomUUID();
  private readonly aggregates = new Map<string, SelfAggregate>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one error. Key: class and a hash of the stack, as Periskop clients do. */
  report(err: unknown, severity: Severity = 'error', http: HttpContext | null = null): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const stack = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '');
    const key = `${e.name}@${crc32(stack.slice(0, 10).join('\n')).toString(16)}`;
    let agg = this.aggregates.get(key);
    if (agg === undefined) {
      if (this.aggregates.size >= MAX_KEYS) return;
      agg = { key, severity, total: 0, createdAt: this.now(), samples: [] };
      this.aggregates.set(key, agg);
    }
    agg.total++;
    agg.severity = severity;
    const chain = [{ class: e.name, message: e.message, stacktrace: stack }];
    let cause = (e as { cause?: unknown }).cause;
    while (cause instanceof Error && chain.length < 10) {
      chain.push({ class: cause.name, message: cause.message, stacktrace: (cause.stack ?? '').split('\n').slice(1).map((l) => l.trim()) });
      cause = (cause as { cause?: unknown }).cause;
    }
    agg.samples.unshift({ uuid: randomUUID(), timestamp: this.now(), severity, chain, http });
    if (agg.samples.length > SAMPLES_PER_KEY) agg.samples.length = SAMPLES_PER_KEY;
  }

  payload(): ClientPayloadOut {
    return {
      target_uuid: this.targetUuid,
      aggregated_errors: [...this.aggregates.values()].map((a) => ({
        aggregation_key: a.key,
        total_count: a.total,
        severity: a.severity,
        created_at: toRfc3339(a.createdAt),
        latest_errors: a.samples.map(toClientOccurrence),
      })),
    };
  }
}
