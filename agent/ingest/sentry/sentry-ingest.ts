import { randomUUID } from 'node:crypto';
import { inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { SentryConfig } from '../../../common/config/schema.js';
import type { Limits } from '../../../common/limits.js';
import type { ObservationSink } from '../../aggregate/ingest-sink.js';
import { keyFromDsn } from './auth.js';
import { parseEnvelope, parseJsonObject } from './envelope.js';
import { mapSentryEvent } from './event-mapping.js';
import { RateLimiter } from './rate-limiter.js';
import { SentryIngestError } from './sentry-error.js';
import type { SentryMetrics } from './sentry-metrics.js';
import { SentryEventSchema } from './sentry-schema.js';

const inflateAsync = promisify(inflate);

/** The group that counts events of a service past `max_groups_per_service` distinct groups. */
export const OVERFLOW_KEY = 'CrowsnestOverflow@too-many-sentry-groups';

/**
 * Where accepted events go: the agent's ingest sink, as cumulative counts of one origin (observed
 * with `complete: false`, since an event carries one key; `touch` keeps the origin from expiring).
 */
export type SentrySink = Pick<ObservationSink, 'observe' | 'touch'>;

/** A configured DSN: project id, public key, and the service its events count under. */
interface ProjectKey {
  readonly projectId: number;
  readonly key: string;
  readonly service: string;
}

/** What a client is told: 200 with the event id (absent for envelopes without an event). */
export interface IngestAnswer {
  readonly id?: string;
}

export interface SentryIngestOptions {
  readonly config: SentryConfig;
  readonly limits: Limits;
  readonly sink: SentrySink;
  readonly metrics: SentryMetrics;
  readonly logger: Logger;
}

/**
 * Sentry SDK ingestion (DESIGN section 6): authenticates a request's DSN key, splits envelopes,
 * rate-limits per key, de-duplicates retried events by id, maps each event onto the Periskop model and
 * counts it. Counting is cumulative and exact: this agent process is one origin per service
 * (`sentry:<random>`, new per process so a restart never compares against counts of a previous
 * process), and each accepted event raises its key's cumulative count by one.
 * Memory is bounded by the config: keys per service (`max_groups_per_service`), remembered event ids
 * (`dedup_event_ids`), one token bucket per configured key. Owned by the agent; lives as long as it.
 */
export class SentryIngest {
  readonly originId = `sentry:${randomUUID()}`;
  private readonly projects = new Map<number, Map<string, ProjectKey>>();
  private readonly limiter: RateLimiter;
  private readonly seen: LRUCache<string, true> | undefined;
  /** Cumulative count per service and key, for this process's origin. */
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly overflowWarned = new Set<string>();

  constructor(private readonly options: SentryIngestOptions) {
    const { config } = options;
    const rates = new Map<string, { ratePerSecond: number; burst: number }>();
    for (const p of config.projects) {
      let keys = this.projects.get(p.id);
      if (keys === undefined) this.projects.set(p.id, (keys = new Map()));
      keys.set(p.key, { projectId: p.id, key: p.key, service: p.service });
      const rate = p.rate_limit ?? config.rate_limit;
      rates.set(bucketId(p.id, p.key), { ratePerSecond: rate.events_per_second, burst: rate.burst });
    }
    this.limiter = new RateLimiter((id) => rates.get(id) ?? { ratePerSecond: config.rate_limit.events_per_second, burst: config.rate_limit.burst });
    this.seen = config.dedup_event_ids > 0 ? new LRUCache<string, true>({ max: config.dedup_event_ids }) : undefined;
  }

  /** The services Sentry projects map to. */
  get services(): string[] {
    return [...new Set(this.options.config.projects.map((p) => p.service))];
  }

  /**
   * Checks a DSN key against a project. Throws `missing_key` (401), `unknown_project` or `wrong_key`
   * (403). Keys compare case-insensitively (they are hex).
   */
  authenticate(projectId: number, key: string | undefined): ProjectKey {
    if (key === undefined) throw new SentryIngestError('missing_key', 'no DSN key: send X-Sentry-Auth (sentry_key=...), the sentry_key query parameter or an envelope "dsn"');
    const keys = this.projects.get(projectId);
    if (keys === undefined) throw new SentryIngestError('unknown_project', `project ${projectId} is not configured at this agent (agent.sentry.projects)`);
    const project = keys.get(key.toLowerCase());
    if (project === undefined) throw new SentryIngestError('wrong_key', `the DSN key is not valid for project ${projectId}`);
    return project;
  }

  /**
   * Handles an envelope body (already decompressed). `headerKey` is the key from the header or query,
   * if any; otherwise the envelope's `dsn` must carry it. Non-event items are accepted and ignored.
   */
  envelope(projectId: number, headerKey: string | undefined, body: Buffer, now: number): IngestAnswer {
    if (body.length === 0) throw new SentryIngestError('empty_body', 'the envelope is empty');
    const envelope = parseEnvelope(body);
    const project = this.authenticate(projectId, headerKey ?? keyFromDsn(envelope.header.dsn));
    const events = envelope.items.filter((item) => item.type === 'event');
    for (const item of envelope.items) if (item.type !== 'event') this.options.metrics.ignore(item.type);
    if (events.length > 1) throw new SentryIngestError('duplicate_event_item', `an envelope holds at most one event; this one holds ${events.length}`);
    const event = events[0];
    if (event === undefined) return envelope.header.event_id ? { id: envelope.header.event_id } : {};
    return this.event(project, event.payload, now, envelope.header.event_id);
  }

  /**
   * Handles a `/store/` body (already decompressed): the event JSON, or the base64 of its zlib
   * compression as old SDKs send it.
   */
  async store(project: ProjectKey, body: Buffer, now: number): Promise<IngestAnswer> {
    if (body.length === 0) throw new SentryIngestError('empty_body', 'the request has no event');
    let json = body;
    const first = body.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (first !== undefined && first !== 0x7b /* { */) {
      try {
        json = await inflateAsync(Buffer.from(body.toString('latin1'), 'base64'), { maxOutputLength: this.options.config.max_event_bytes + 1 });
      } catch {
        throw new SentryIngestError('invalid_event', 'the body is neither JSON nor base64 of zlib-compressed JSON');
      }
    }
    return this.event(project, json, now, undefined);
  }

  /** Counts one event payload: limits, rate limit, de-duplication, mapping, cumulative count. */
  private event(project: ProjectKey, payload: Buffer, now: number, headerEventId: string | null | undefined): IngestAnswer {
    const { config, limits, metrics } = this.options;
    if (payload.length > config.max_event_bytes) {
      throw new SentryIngestError('event_too_large', `the event has ${payload.length} bytes; the limit is ${config.max_event_bytes}`);
    }
    const taken = this.limiter.take(bucketId(project.projectId, project.key), now);
    if (!taken.allowed) {
      throw new SentryIngestError('rate_limited', `rate limit of this DSN key exceeded; retry after ${taken.retryAfterSeconds} s`, taken.retryAfterSeconds);
    }
    const json = parseJsonObject(payload);
    if (json === undefined) throw new SentryIngestError('invalid_event', 'the event is not a JSON object');
    const mapped = mapSentryEvent(SentryEventSchema.parse(json), now, limits, headerEventId);
    const dedupId = `${project.projectId}:${mapped.eventId}`;
    if (this.seen?.has(dedupId) === true) {
      metrics.event(project.service, 'duplicate');
      return { id: mapped.eventId };
    }
    this.seen?.set(dedupId, true);
    let counts = this.counts.get(project.service);
    if (counts === undefined) this.counts.set(project.service, (counts = new Map()));
    let key = mapped.key;
    if (!counts.has(key) && counts.size >= config.max_groups_per_service) {
      key = OVERFLOW_KEY;
      metrics.event(project.service, 'overflow');
      if (!this.overflowWarned.has(project.service)) {
        this.overflowWarned.add(project.service);
        this.options.logger.warn({ service: project.service, max_groups_per_service: config.max_groups_per_service, key: OVERFLOW_KEY },
          'too many distinct Sentry groups for this service (random fingerprints?); further new groups are counted in the overflow group');
      }
    } else {
      metrics.event(project.service, 'accepted');
    }
    const total = (counts.get(key) ?? 0) + 1;
    counts.set(key, total);
    // createdAt = now: every count of this process's origin is new (never a baseline of a restart).
    const tagged = mapped.environment === undefined && mapped.release === undefined ? undefined
      : [{ environment: mapped.environment, release: mapped.release, count: 1, at: mapped.timestamp }];
    const aggregates = [{ key, totalCount: total, severity: mapped.severity, createdAt: now, rawSamples: [mapped.sample], ...(tagged === undefined ? {} : { tagged }) }];
    this.options.sink.observe({ service: project.service, origin: this.originId, aggregates, now }, { complete: false });
    return { id: mapped.eventId };
  }

  /** Keeps this process's origins from expiring (their counter state is what makes counts exact). */
  keepAlive(now: number): void {
    for (const service of this.counts.keys()) this.options.sink.touch(service, this.originId, now);
  }
}

function bucketId(projectId: number, key: string): string {
  return `${projectId}/${key}`;
}
