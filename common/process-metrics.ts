import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * How often the event-loop delay is sampled, in ms, by prom-client's `nodejs_eventloop_lag_*` and the
 * agent's own delay metric. Each sample is a timer wake-up: at prom-client's default of 10 ms the two
 * monitors cost an idle process about 0.05 s of CPU every 10 s each (docs/performance.md), a third of
 * what an agent spends per cycle whatever it scrapes. The blocks these metrics exist to show (a large
 * payload parsed at once) last hundreds of milliseconds.
 */
export const EVENT_LOOP_RESOLUTION_MS = 50;

/** prom-client's process and Node.js metrics (CPU, memory, GC, event-loop lag) into `registry`. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
}
