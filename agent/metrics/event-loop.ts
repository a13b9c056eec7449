import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { EVENT_LOOP_RESOLUTION_MS } from '../../common/process-metrics.js';

/**
 * How long the agent's event loop was blocked beyond its timer (`perf_hooks.monitorEventLoopDelay`):
 * what a hostile target's payload costs everyone else. Figures are since `start()`, so the maximum is
 * the worst block the agent ever had. Owned by the agent's metrics; lives until `stop()`.
 */
export class EventLoopMonitor {
  readonly #histogram: IntervalHistogram;

  /** `resolutionMs`: the sampling timer; a block shorter than it may go unseen. */
  constructor(resolutionMs = EVENT_LOOP_RESOLUTION_MS) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    this.#histogram.enable();
  }

  stop(): void {
    this.#histogram.disable();
  }

  /** Seconds: median, 99th percentile and maximum delay since start (0 before any sample). */
  delays(): { p50: number; p99: number; max: number } {
    const h = this.#histogram;
    if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
    return { p50: h.percentile(50) / 1e9, p99: h.percentile(99) / 1e9, max: h.max / 1e9 };
  }
}
