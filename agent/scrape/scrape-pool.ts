import { Agent, type Dispatcher } from 'undici';
import type { Limits } from '../../common/limits.js';
import type { ScraperConfig } from '../../common/config/service.js';
import type { ScrapeTarget } from '../discovery/types.js';
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
 * discovery (forgetting their origins). Owns the HTTP connection pool and the concurrency bound.
 */
export class ScrapePool {
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly dispatcher: Dispatcher;
  private readonly semaphore: Semaphore;

  constructor(private readonly options: ScrapePoolOptions) {
    this.dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 2, connect: { timeout: 5_000 } });
    this.semaphore = new Semaphore(options.concurrency);
  }

  /** Replaces the targets of one service with `targets` (the discovery manager's full list). */
  setTargets(service: string, config: ScraperConfig, targets: readonly ScrapeTarget[], removed: (health: TargetHealth) => void): void {
    const wanted = new Set(targets.map((t) => t.url));
    for (const [id, loop] of this.loops) {
      if (loop.target.service === service && !wanted.has(loop.target.url)) {
        this.loops.delete(id);
        void loop.stop(true).then(() => removed(loop.health));
      }
    }
    for (const target of targets) {
      const id = `${service}\u0000${target.url}`;
      if (this.loops.has(id)) continue;
      const loop = new ScrapeLoop(target, config, {
        dispatcher: this.dispatcher,
        semaphore: this.semaphore,
        limits: this.options.limits,
        sink: this.options.sink,
        now: this.options.now ?? Date.now,
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

  get queued(): number {
    return this.semaphore.queued;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loops.values()].map((l) => l.stop(false)));
    this.loops.clear();
    await this.dispatcher.close();
  }
}
