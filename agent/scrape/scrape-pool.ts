import type { Limits } from '../../common/limits.js';
import type { ServiceConfig } from '../../common/config/service.js';
import type { ScrapeTarget } from '../discovery/types.js';
import { HttpClient } from '../http/client.js';
import { InternTable } from '../../common/intern/intern-table.js';
import { BodyBuffers } from './body-buffers.js';
import { ScrapeLoop, type ScrapeSink } from './scrape-loop.js';
import { Semaphore } from './semaphore.js';
import type { TargetHealth } from './target-health.js';

export interface ScrapePoolOptions {
  readonly concurrency: number;
  readonly limits: Limits;
  readonly sink: ScrapeSink;
  readonly now?: () => number;
}

/**
 * Keeps one scrape loop per discovered target: starts loops for new targets, stops those that left
 * discovery (forgetting their origins), so its state is bounded by the current targets however they
 * churn. Owns one HTTP client per service (its `scheme`, `tls_config`, `authorization`, `basic_auth`,
 * connection pool) and the agent-wide concurrency bound. Owned by the agent; lives until `close()`.
 */
export class ScrapePool {
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly clients = new Map<string, HttpClient>();
  private readonly semaphore: Semaphore;
  /** One copy of each aggregation key for the loops' payload readers (bounded; a forgotten key is only copied again). */
  private readonly keys = new InternTable({ maxEntries: 100_000, maxBytes: 16 * 1024 * 1024, minLength: 1, stacks: false });
  /** Bodies are read into these, reused across scrapes (body-buffers.ts). */
  private readonly buffers = new BodyBuffers();

  constructor(private readonly options: ScrapePoolOptions) {
    this.semaphore = new Semaphore(options.concurrency);
  }

  /** Replaces the targets of one service with `targets` (the discovery manager's full list). */
  setTargets(service: ServiceConfig, targets: readonly ScrapeTarget[], removed: (health: TargetHealth) => void): void {
    const wanted = new Set(targets.map((t) => t.url));
    for (const [id, loop] of this.loops) {
      if (loop.target.service === service.name && !wanted.has(loop.target.url)) {
        this.loops.delete(id);
        void loop.stop(true).then(() => removed(loop.health));
      }
    }
    let client = this.clients.get(service.name);
    if (client === undefined) {
      // A loop scrapes its target one request at a time: one connection per target is enough, and
      // undici then keeps a Client per target instead of a Pool (whose queue alone is 16 KB).
      client = new HttpClient(service, { connections: 1 });
      this.clients.set(service.name, client);
    }
    for (const target of targets) {
      const id = `${service.name}\u0000${target.url}`;
      if (this.loops.has(id)) continue;
      const loop = new ScrapeLoop(target, service.scraper, {
        client,
        semaphore: this.semaphore,
        limits: this.options.limits,
        sink: this.options.sink,
        now: this.options.now ?? Date.now,
        internKey: (key) => this.keys.string(key),
        buffers: this.buffers,
      });
      this.loops.set(id, loop);
      loop.start();
    }
  }

  /** [service, origin id] of every discovered target that has answered once. */
  *liveOrigins(): IterableIterator<[string, string]> {
    for (const loop of this.loops.values()) if (loop.origin !== undefined) yield [loop.target.service, loop.origin];
  }

  healths(): TargetHealth[] {
    return [...this.loops.values()].map((l) => l.health);
  }

  /** How many scrape loops run (one per discovered target); for tests and metrics. */
  get size(): number {
    return this.loops.size;
  }

  get queued(): number {
    return this.semaphore.queued;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loops.values()].map((l) => l.stop(false)));
    this.loops.clear();
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
