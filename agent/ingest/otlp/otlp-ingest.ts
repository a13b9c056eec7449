import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { OtlpConfig } from '../../../common/config/schema.js';
import type { Limits } from '../../../common/limits.js';
import type { Severity } from '../../../common/severity.js';
import type { ObservationSink } from '../../aggregate/ingest-sink.js';
import type { TaggedCount } from '../../aggregate/group-tags.js';
import { OtlpIngestError } from './otlp-error.js';
import type { OtlpException } from './otlp-exception.js';
import { type MappedBatch, mapLogs, mapTraces } from './otlp-mapping.js';
import type { OtlpMetrics } from './otlp-metrics.js';
import type { LogsRequest, TracesRequest } from './otlp-model.js';
import type { PartialSuccess, Signal } from './otlp-proto.js';
import { ExceptionRateLimit } from './otlp-rate-limit.js';

/** The group that counts exceptions of a service past `max_groups_per_service` distinct groups. */
export const OVERFLOW_KEY = 'CrowsnestOverflow@too-many-otlp-groups';

/** Where accepted exceptions go: the agent's ingest sink, as cumulative counts of one origin. */
export type OtlpSink = Pick<ObservationSink, 'observe' | 'touch'>;

export interface OtlpIngestOptions {
  readonly config: OtlpConfig;
  readonly limits: Limits;
  readonly sink: OtlpSink;
  readonly metrics: OtlpMetrics;
  readonly logger: Logger;
  /** Samples passed on per group and batch (the aggregator keeps `samples_per_group` of them). */
  readonly samplesPerGroup: number;
}

interface Pending {
  count: number;
  severity: Severity;
  /** The newest exceptions of the key in the batch, whose samples are passed on. */
  newest: OtlpException[];
  /** The key's exceptions by release and environment (only those with one). */
  tagged: Map<string, { environment: string | undefined; release: string | undefined; count: number; at: number }>;
}

/**
 * OpenTelemetry ingestion (README.md): authenticates a bearer token, maps a decoded export request's
 * exceptions onto the Periskop model, drops exporter retries of exceptions already counted (a bounded
 * LRU of span-event and log-record identities), rate-limits per token and counts. As the Sentry
 * ingestion does, this process is one origin per service (`otlp:<random>`, new per process), and each
 * accepted exception raises its key's cumulative count by one; a batch is one observation per service.
 * Memory is bounded by the config: services, groups per service, remembered identities, one bucket
 * per token. Owned by the agent; lives as long as it.
 */
export class OtlpIngest {
  readonly originId = `otlp:${randomUUID()}`;
  private readonly tokens: readonly Buffer[];
  private readonly limiter: ExceptionRateLimit;
  private readonly seen: LRUCache<string, true> | undefined;
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly warned = new Set<string>();
  /** Samples passed on per group and batch: the newest ones. */
  private readonly samplesPerBatch: number;

  constructor(private readonly options: OtlpIngestOptions) {
    const { config } = options;
    this.tokens = config.tokens.map(digest);
    this.samplesPerBatch = Math.min(config.samples_per_batch, options.samplesPerGroup);
    this.limiter = new ExceptionRateLimit(config.rate_limit.exceptions_per_second, config.rate_limit.burst);
    this.seen = config.dedup_items > 0 ? new LRUCache<string, true>({ max: config.dedup_items }) : undefined;
  }

  /**
   * Checks `Authorization: Bearer <token>` when tokens are configured; returns the rate-limit bucket
   * of the request. Throws `missing_token` or `wrong_token` (401).
   */
  authenticate(authorization: string | undefined): string {
    if (this.tokens.length === 0) return 'anonymous';
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m === null) throw new OtlpIngestError('missing_token', 'send Authorization: Bearer <token> (one of agent.otlp.tokens)');
    const given = digest(m[1] as string);
    const index = this.tokens.findIndex((t) => timingSafeEqual(t, given));
    if (index < 0) throw new OtlpIngestError('wrong_token', 'the bearer token is not one of agent.otlp.tokens');
    return `token:${index}`;
  }

  /**
   * Counts the exceptions of a decoded request and returns the partial success to answer (undefined
   * when nothing was rejected). Throws `rate_limited` (429) when the bucket is empty and the batch
   * holds exceptions not yet counted; nothing of such a batch is counted, so the exporter's retry is.
   */
  export(signal: Signal, request: TracesRequest | LogsRequest, bucket: string, now: number): PartialSuccess | undefined {
    const { config, limits, metrics } = this.options;
    const batch: MappedBatch = signal === 'traces'
      ? mapTraces(request as TracesRequest, config.default_service, limits, now)
      : mapLogs(request as LogsRequest, config.default_service, limits, now);
    metrics.batch(signal, batch.items, batch.ignored);
    const fresh = this.seen === undefined ? batch.exceptions : batch.exceptions.filter((e) => this.seen?.has(e.dedupId) !== true);
    metrics.exception(signal, 'duplicate', batch.exceptions.length - fresh.length);
    const grant = this.limiter.takeUpTo(bucket, fresh.length, now);
    if ('retryAfterSeconds' in grant) {
      throw new OtlpIngestError('rate_limited', `exception rate limit exceeded; retry after ${grant.retryAfterSeconds} s`, grant.retryAfterSeconds);
    }
    const rejectedItems = new Set<number>();
    const reasons = new Set<string>();
    const pending = new Map<string, Map<string, Pending>>();
    const inBatch = new Set<string>();
    for (let i = 0; i < fresh.length; i++) {
      const e = fresh[i] as OtlpException;
      if (i >= grant.granted) {
        metrics.exception(signal, 'rate_limited');
        rejectedItems.add(e.item);
        reasons.add('rate limit exceeded');
        continue;
      }
      if (inBatch.has(e.dedupId)) {
        metrics.exception(signal, 'duplicate');
        continue;
      }
      const counts = this.countsOf(e.service);
      if (counts === undefined) {
        metrics.exception(signal, 'too_many_services');
        rejectedItems.add(e.item);
        reasons.add(`more than ${config.max_services} services (agent.otlp.max_services)`);
        continue;
      }
      inBatch.add(e.dedupId);
      this.seen?.set(e.dedupId, true);
      const key = this.keyFor(e, counts, signal);
      let byKey = pending.get(e.service);
      if (byKey === undefined) pending.set(e.service, (byKey = new Map()));
      const p = byKey.get(key);
      if (p === undefined) byKey.set(key, { count: 1, severity: e.severity, newest: [e], tagged: tagCount(new Map(), e) });
      else {
        p.count++;
        p.severity = e.severity;
        p.newest.push(e);
        if (p.newest.length > this.samplesPerBatch) p.newest.shift();
        tagCount(p.tagged, e);
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [service, byKey] of pending) {
      const counts = this.counts.get(service) as Map<string, number>;
      // createdAt = now: every count of this process's origin is new (never a baseline of a restart).
      const aggregates = [...byKey].map(([key, p]) => ({
        key, totalCount: counts.get(key) as number, severity: p.severity, createdAt: now, rawSamples: p.newest.map((e) => e.sample()),
        ...(p.tagged.size === 0 ? {} : { tagged: [...p.tagged.values()] as TaggedCount[] }),
      }));
      this.options.sink.observe({ service, origin: this.originId, aggregates, now }, { complete: false });
    }
    if (rejectedItems.size === 0) return undefined;
    return { rejected: rejectedItems.size, message: `exceptions rejected: ${[...reasons].join('; ')}` };
  }

  /** The counts of a service, created when there is room for one more; undefined past max_services. */
  private countsOf(service: string): Map<string, number> | undefined {
    let counts = this.counts.get(service);
    if (counts !== undefined) return counts;
    if (this.counts.size >= this.options.config.max_services) {
      this.warnOnce(`services`, { max_services: this.options.config.max_services, service }, 'too many distinct OTLP services; exceptions of further services are rejected');
      return undefined;
    }
    this.counts.set(service, (counts = new Map()));
    return counts;
  }

  private keyFor(e: OtlpException, counts: Map<string, number>, signal: Signal): string {
    if (counts.has(e.key) || counts.size < this.options.config.max_groups_per_service) {
      this.options.metrics.exception(signal, 'accepted');
      return e.key;
    }
    this.options.metrics.exception(signal, 'overflow');
    this.warnOnce(`groups:${e.service}`, { service: e.service, max_groups_per_service: this.options.config.max_groups_per_service, key: OVERFLOW_KEY },
      'too many distinct OTLP exception groups for this service; further new groups are counted in the overflow group');
    return OVERFLOW_KEY;
  }

  private warnOnce(id: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.options.logger.warn(fields, message);
  }

  /** Keeps this process's origins from expiring (their counter state is what makes counts exact). */
  keepAlive(now: number): void {
    for (const service of this.counts.keys()) this.options.sink.touch(service, this.originId, now);
  }
}

/** Counts one exception under its release and environment (nothing when it has neither). */
function tagCount(tagged: Pending['tagged'], e: OtlpException): Pending['tagged'] {
  const { environment, release } = e.tags;
  if (environment === undefined && release === undefined) return tagged;
  const id = `${environment ?? ''}\u0000${release ?? ''}`;
  const held = tagged.get(id);
  if (held === undefined) tagged.set(id, { environment, release, count: 1, at: e.timestamp });
  else {
    held.count++;
    held.at = Math.max(held.at, e.timestamp);
  }
  return tagged;
}

/** Tokens compare as fixed-length digests, in constant time. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
