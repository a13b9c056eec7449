import type { ParsedAggregate, TruncationNotes } from '../wire/client-payload.js';
import type { Aggregator, ApplyResult, CountSemantics } from './aggregator.js';

/** Where the sink reports what it counted, dropped and cut (the agent's metrics). */
export interface IngestAccounting {
  increments(service: string, n: number): void;
  dropped(reason: string, n: number): void;
  truncated(reason: string, n: number): void;
}

/** One observation of an origin's cumulative state, from any way in. */
export interface Observation {
  readonly service: string;
  /** Who counts: a scraped target (url#target_uuid), a pusher, the agent's own Sentry or OTLP counter, an import. */
  readonly origin: string;
  readonly aggregates: readonly ParsedAggregate[];
  /** Items the reader dropped, by reason; a payload that dropped nothing is complete unless said otherwise. */
  readonly dropped?: Readonly<Record<string, number | undefined>> | undefined;
  /** Items the reader kept with a part cut, by reason. */
  readonly truncated?: TruncationNotes | undefined;
  readonly now: number;
}

export interface ObserveOptions {
  /**
   * The aggregates are everything the origin holds, so a key missing from them was reset by a
   * restart of the origin (a scrape or push read whole). Default: true when nothing was dropped.
   * An origin that sends only what changed (Sentry, OTLP) says false.
   */
  readonly complete?: boolean;
  /** `counter` (default) or `max` (a legacy Periskop server's sum over its targets). */
  readonly semantics?: CountSemantics;
}

/** What a way in needs of the sink: observe, and for origins that stay, touch and forget. */
export type ObservationSink = Pick<IngestSink, 'observe' | 'touch' | 'forget'>;

/**
 * The one way into the aggregator for every source (scrape, push, Sentry, import, OTLP): it applies
 * the observation and owns the accounting, so every source's increments, drops and cuts are counted
 * the same way. Owned by the agent; lives as long as the aggregator.
 */
export class IngestSink {
  constructor(
    private readonly aggregator: Aggregator,
    private readonly accounting?: IngestAccounting,
  ) {}

  observe(o: Observation, options: ObserveOptions = {}): ApplyResult {
    const dropped = o.dropped ?? {};
    const complete = options.complete ?? Object.values(dropped).every((n) => n === undefined || n === 0);
    const r = this.aggregator.observe(o.service, o.origin, o.aggregates, o.now, complete, options.semantics ?? 'counter');
    const a = this.accounting;
    if (a !== undefined) {
      if (r.increments > 0) a.increments(o.service, r.increments);
      for (const [reason, n] of Object.entries(dropped)) if (n !== undefined && n > 0) a.dropped(reason, n);
      if (r.invalidSamples > 0) a.dropped('sample_invalid', r.invalidSamples);
      for (const notes of [o.truncated, r.truncated]) {
        for (const [reason, n] of Object.entries(notes ?? {})) if (n !== undefined && n > 0) a.truncated(reason, n);
      }
    }
    return r;
  }

  /** The origin is alive (an unchanged body, a keep-alive): its counter state does not expire. */
  touch(service: string, origin: string, now: number): void {
    this.aggregator.touch(service, origin, now);
  }

  /** The origin is gone (it left discovery, or another instance answers at its url). */
  forget(service: string, origin: string, now: number): void {
    this.aggregator.forgetOrigin(service, origin, now);
  }
}
