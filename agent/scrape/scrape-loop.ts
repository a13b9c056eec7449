import { isUtf8 } from 'node:buffer';
import type { Limits } from '../../common/limits.js';
import { type ParsedPayload, PayloadError } from '../wire/client-payload.js';
import type { ObservationSink } from '../aggregate/ingest-sink.js';
import type { ScraperConfig } from '../../common/config/service.js';
import type { ScrapeTarget } from '../discovery/types.js';
import { ClientConfigError, HTTP_CLIENT_DEFAULTS, type HttpClient } from '../http/client.js';
import type { BodyBuffers } from './body-buffers.js';
import { decodeBody, fetchBody, type FetchedBody } from './fetch-body.js';
import { PayloadReader } from './payload-reader.js';
import { PlainConnection } from './plain-connection.js';
import { ScrapeError } from './scrape-error.js';
import type { Semaphore } from './semaphore.js';
import { addCounts, newHealth, type TargetHealth } from './target-health.js';

/**
 * Where scraped payloads go: the agent's ingest sink (a body that did not change is a `touch`; an
 * origin gone, because its target restarted under a new uuid or left discovery, a `forget`), and
 * each scrape's health.
 */
export interface ScrapeSink extends ObservationSink {
  /** Health changed (up/down or error text) or a scrape finished; for shipping and metrics. */
  health(health: TargetHealth, changed: boolean): void;
}

export interface ScrapeLoopDeps {
  /** The service's HTTP client (TLS, auth, connection pool). */
  readonly client: HttpClient;
  readonly semaphore: Semaphore;
  readonly limits: Limits;
  readonly sink: ScrapeSink;
  readonly now: () => number;
  /** A shared copy of an aggregation key (the pool's; every target of a service sends the same keys). */
  readonly internKey?: (key: string) => string;
  /** Reused buffers to read bodies into (the pool's); without them each body is joined from its chunks. */
  readonly buffers?: BodyBuffers;
}

/** Spreads targets over the interval deterministically (as Prometheus does), by a hash of the URL. */
function offsetFor(url: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < url.length; i++) h = Math.imul(h ^ url.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, intervalMs);
}

/** A plain-http target's connection; undefined for https (or a URL that does not parse: undici reports it). */
function plainConnectionFor(url: string, now: () => number): PlainConnection | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:') return undefined;
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return new PlainConnection(host, Number(parsed.port || 80), {
    connectTimeoutMs: HTTP_CLIENT_DEFAULTS.connectTimeoutMs,
    keepAliveTimeoutMs: HTTP_CLIENT_DEFAULTS.keepAliveTimeoutMs,
    now,
  });
}

/**
 * Scrapes one target every `refresh_interval`. A failed scrape is recorded as health, never thrown.
 * Owned by the scrape pool; lives until the target leaves discovery.
 */
export class ScrapeLoop {
  readonly health: TargetHealth;
  private timer: NodeJS.Timeout | undefined;
  private lastHash: string | undefined;
  /** Parses only the aggregates that changed since the last body (payload-reader.ts). */
  private readonly reader: PayloadReader;
  /** The origin id of the instance currently answering at this URL (url + target_uuid). */
  private originId: string | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** A plain-http target's keep-alive connection (https targets go through the client's undici pool). */
  private readonly connection: PlainConnection | undefined;

  constructor(
    readonly target: ScrapeTarget,
    private readonly config: ScraperConfig,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.health = newHealth(target.service, target.url, target.labels);
    this.reader = new PayloadReader(deps.internKey);
    this.connection = plainConnectionFor(target.url, deps.now);
  }

  /** The origin currently answering at this URL (undefined before the first good scrape). */
  get origin(): string | undefined {
    return this.originId;
  }

  start(): void {
    this.schedule(offsetFor(this.target.url, this.config.refresh_interval));
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = this.deps.now();
      this.running = this.scrapeOnce().finally(() => {
        this.running = undefined;
        const elapsed = this.deps.now() - started;
        this.schedule(Math.max(0, this.config.refresh_interval - elapsed));
      });
    }, delay);
  }

  /**
   * Stops scraping. `forget` drops the current origin (the target left discovery; its counts stay);
   * on shutdown the origin is kept so the saved state resumes exactly.
   */
  async stop(forget: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.connection?.close();
    if (forget && this.originId !== undefined) this.deps.sink.forget(this.target.service, this.originId, this.deps.now());
  }

  /** One scrape; public so tests and the benchmark can drive it without timers. */
  async scrapeOnce(): Promise<void> {
    const { semaphore, limits, sink, now } = this.deps;
    await semaphore.acquire();
    const started = now();
    let error: ScrapeError | undefined;
    let fetched: FetchedBody | undefined;
    try {
      // A plain-http target is read over its own connection: only https needs undici's pool.
      const client = this.connection === undefined ? await this.deps.client.prepare() : { ...(await this.deps.client.prepareHeaders()), dispatcher: undefined };
      fetched = await fetchBody(this.target.url, {
        ...(client.dispatcher === undefined ? {} : { dispatcher: client.dispatcher }),
        headers: client.headers,
        ...(client.servername === undefined ? {} : { servername: client.servername }),
        timeoutMs: this.config.timeout,
        maxBytes: limits.bodyBytes,
        ...(this.deps.buffers === undefined ? {} : { buffers: this.deps.buffers }),
        ...(this.connection === undefined ? {} : { connection: this.connection }),
      });
      this.health.bytes = fetched.bytes;
      if (fetched.hash === this.lastHash && this.originId !== undefined) {
        this.health.unchanged++;
        sink.touch(this.target.service, this.originId, now());
      } else {
        const payload = this.parse(await decodeBody(fetched, limits.bodyBytes), fetched.contentType);
        const originId = payload.targetUuid ? `${this.target.url}#${payload.targetUuid}` : this.target.url;
        if (this.originId !== undefined && this.originId !== originId) sink.forget(this.target.service, this.originId, now());
        this.originId = originId;
        addCounts(this.health.dropped, payload.dropped);
        addCounts(this.health.truncated, payload.truncated);
        const r = sink.observe({ service: this.target.service, origin: originId, aggregates: payload.aggregates, dropped: payload.dropped, truncated: payload.truncated, now: now() });
        addCounts(this.health.truncated, r.truncated);
        this.reader.commit();
        this.lastHash = fetched.hash;
      }
    } catch (err) {
      if (err instanceof ScrapeError) error = err;
      else if (err instanceof ClientConfigError) error = new ScrapeError('client_config', err.message);
      else error = new ScrapeError('invalid_payload', (err as Error).message);
    } finally {
      // The payload was ingested (or the scrape failed): nothing refers to the body's bytes any more.
      fetched?.release();
      semaphore.release();
    }
    const h = this.health;
    h.scrapes++;
    if (error !== undefined) h.failures[error.reason] = (h.failures[error.reason] ?? 0) + 1;
    const changed = h.up !== (error === undefined) || h.lastError !== (error?.message ?? '') || h.lastScrape === 0;
    h.up = error === undefined;
    h.lastError = error?.message ?? '';
    h.lastFailure = error?.reason;
    h.lastScrape = started;
    h.durationMs = now() - started;
    sink.health(h, changed);
  }

  private parse(body: Buffer, contentType: string | undefined): ParsedPayload {
    // Invalid UTF-8 is read with U+FFFD in its place (as Go's encoder writes it) and counted.
    const invalidUtf8 = !isUtf8(body);
    try {
      const payload = this.reader.read(body, this.deps.limits);
      return invalidUtf8 ? { ...payload, truncated: { ...payload.truncated, invalid_utf8: 1 } } : payload;
    } catch (err) {
      if (err instanceof PayloadError) throw new ScrapeError('invalid_payload', err.message);
      if (err instanceof SyntaxError) {
        const what = contentType !== undefined && /html/i.test(contentType) ? ` (the target answered ${contentType.split(';')[0]}, an error page?)` : '';
        throw new ScrapeError('invalid_json', `not JSON${what}: ${err.message.slice(0, 200)}`);
      }
      throw err;
    }
  }
}
