import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Limits } from '../../common/limits.js';
import { parseClientPayload } from '../wire/client-payload.js';
import type { ObservationSink } from '../aggregate/ingest-sink.js';
import { decodeBody, fetchBody } from '../scrape/fetch-body.js';
import { ScrapeError } from '../scrape/scrape-error.js';
import { newHealth, type TargetHealth } from '../scrape/target-health.js';

/** One `agent.imports` entry: an existing Periskop server whose services this agent takes in. */
export interface PeriskopImportConfig {
  readonly url: string;
  readonly refresh_interval: number;
  readonly timeout: number;
  /** Only these services (all when absent). */
  readonly services?: readonly string[] | undefined;
}

/** Where imported totals go: the aggregator with `max` semantics (see CountSemantics). */
/** Where imported totals go (the agent's ingest sink, with `max` semantics), and each endpoint's health. */
export interface ImportSink extends Pick<ObservationSink, 'observe'> {
  health(health: TargetHealth, changed: boolean): void;
}

const ServicesSchema = z.array(z.string().min(1).max(256)).max(10_000);

/**
 * Imports a legacy Periskop server (DESIGN section 1: "a hub can import an existing Periskop
 * server"): every `refresh_interval` it reads `GET /services/` and each `GET /services/{name}/errors/`
 * (Periskop's API shape: an array of aggregates with Unix-second times) and feeds them in as one
 * origin per server and service. A Periskop total is a sum over that server's current targets, so it
 * can drop without any error being undone: the origin uses `max` semantics. Each service's endpoint
 * gets target health like a scraped target. Owned by the agent; lives until stop().
 */
export class PeriskopImport {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly healths = new Map<string, TargetHealth>();
  private readonly base: string;

  constructor(
    private readonly config: PeriskopImportConfig,
    private readonly deps: { dispatcher: Dispatcher; limits: Limits; sink: ImportSink; logger: Logger; now: () => number },
  ) {
    this.base = config.url.replace(/\/+$/, '');
  }

  start(): void {
    const loop = async () => {
      await this.pollOnce();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.config.refresh_interval);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Target health of every imported service endpoint. */
  targets(): TargetHealth[] {
    return [...this.healths.values()];
  }

  private async getJson(url: string): Promise<{ json: unknown; bytes: number }> {
    const fetched = await fetchBody(url, { dispatcher: this.deps.dispatcher, timeoutMs: this.config.timeout, maxBytes: this.deps.limits.bodyBytes });
    const body = await decodeBody(fetched, this.deps.limits.bodyBytes);
    try {
      return { json: JSON.parse(body.toString('utf8')) as unknown, bytes: fetched.bytes };
    } catch (err) {
      throw new ScrapeError('invalid_json', `not JSON: ${(err as Error).message.slice(0, 200)}`);
    }
  }

  /** One round: the service list, then each service. Failures become target health, never throws. */
  async pollOnce(): Promise<void> {
    let services: string[];
    try {
      const parsed = ServicesSchema.safeParse((await this.getJson(`${this.base}/services/`)).json);
      if (!parsed.success) throw new ScrapeError('invalid_payload', 'GET /services/ did not answer a list of service names');
      services = parsed.data.filter((s) => this.config.services === undefined || this.config.services.includes(s));
    } catch (err) {
      this.deps.logger.warn({ import: this.base, err: (err as Error).message }, 'cannot list the services of the Periskop server');
      return;
    }
    for (const service of services) {
      if (this.stopped) return;
      const url = `${this.base}/services/${encodeURIComponent(service)}/errors/`;
      const health = this.healths.get(url) ?? newHealth(service, url);
      this.healths.set(url, health);
      const started = this.deps.now();
      let error: ScrapeError | undefined;
      try {
        const { json, bytes } = await this.getJson(url);
        health.bytes = bytes;
        if (!Array.isArray(json)) throw new ScrapeError('invalid_payload', 'expected the Periskop API\'s array of aggregates');
        const payload = parseClientPayload({ aggregated_errors: json }, this.deps.limits);
        // A Periskop server's list is not a client's whole state: a missing key is no reset.
        this.deps.sink.observe({ service, origin: `import:${this.base}`, aggregates: payload.aggregates, dropped: payload.dropped, truncated: payload.truncated, now: this.deps.now() }, { complete: false, semantics: 'max' });
      } catch (err) {
        error = err instanceof ScrapeError ? err : new ScrapeError('invalid_payload', (err as Error).message);
      }
      const changed = health.up !== (error === undefined) || health.lastError !== (error?.message ?? '') || health.lastScrape === 0;
      health.up = error === undefined;
      health.lastError = error?.message ?? '';
      health.lastFailure = error?.reason;
      health.lastScrape = started;
      health.durationMs = this.deps.now() - started;
      this.deps.sink.health(health, changed);
    }
  }
}
