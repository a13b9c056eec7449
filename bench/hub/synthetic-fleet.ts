import type { WireTarget } from '../../common/federation/messages.js';
import type { HubState } from '../../hub/state/hub-state.js';
import { targetId } from '../../hub/state/sources.js';
import { HOUR_MS, MINUTE_MS, type SeriesData } from '../../hub/state/series.js';

/** A fleet around a synthetic state: scrape targets, source figures and busy service series. */
export interface SyntheticFleetSpec {
  /** Scrape targets spread over the sources and services (0: none). */
  readonly targets: number;
  /** Peak occurrences per minute of each service's series (the chart's largest bar; 0: no series). */
  readonly peakPerMinute: number;
}

/** Every `DOWN_EVERY`th target is down, every `FAILING_EVERY`th up but with an error. */
export const DOWN_EVERY = 37;
export const FAILING_EVERY = 53;

/** A service's series: every minute of the last 2 hours and hour of the last 7 days, peaking at `peak` a minute. */
function busySeries(now: number, peak: number, phase: number): SeriesData {
  const minutes: number[] = [];
  const hours: number[] = [];
  const minute = Math.floor(now / MINUTE_MS);
  const hour = Math.floor(now / HOUR_MS);
  for (let i = 119; i >= 0; i--) minutes.push(minute - i, Math.max(1, Math.round(peak * (0.55 + 0.45 * Math.sin((i + phase) / 9)))));
  for (let i = 167; i >= 0; i--) hours.push(hour - i, Math.max(1, Math.round(peak * 45 * (0.55 + 0.45 * Math.sin((i + phase) / 11)))));
  return { minutes, hours };
}

/**
 * Gives the state's sources `spec.targets` targets over its services (a quarter to the first, the
 * rest round robin, so each source scrapes several services), message figures as a long-running hub holds them, and each service a
 * busy series. Deterministic: target i of the fleet is down when i % DOWN_EVERY === 0.
 */
export function addSyntheticFleet(state: HubState, spec: SyntheticFleetSpec, now: number): void {
  const sources = [...state.sources.values()];
  const services = [...state.services.keys()];
  if (sources.length === 0 || services.length === 0) return;
  sources.forEach((s, i) => {
    s.lastMessageAt = now - 1_000 - i * 250;
    s.messagesIn = 10_000 + i * 1_337;
    s.bytesIn = s.messagesIn * 2_048;
    s.connections = 1 + (i % 3);
    s.version = '0.1.0';
  });
  for (let i = 0; i < spec.targets; i++) {
    const source = sources[i % sources.length];
    if (source === undefined) continue;
    const down = i % DOWN_EVERY === 0;
    const failing = !down && i % FAILING_EVERY === 0;
    const t: WireTarget = {
      // A quarter of the fleet scrapes the first service (a service with many instances); the rest round robin.
      service: (i % 4 === 0 || services.length === 1 ? services[0] : services[1 + (i % (services.length - 1))]) as string,
      url: `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/errors`,
      agent: source.name,
      up: !down,
      last_error: down ? 'connect ECONNREFUSED' : failing ? 'the body is not valid JSON' : '',
      last_scrape: now - 5_000 - (i % 10_000),
      duration_ms: 3 + (i % 40),
      bytes: 1_000 + (i % 20) * 512,
    };
    source.targets.set(targetId(t), t);
  }
  if (spec.peakPerMinute > 0) services.forEach((name, i) => state.serviceSeries.set(name, busySeries(now, spec.peakPerMinute / (1 + (i % 7)), i)));
}
