import { timedGet } from '../harness/http.js';
import { max, median, quantile } from '../harness/stats.js';

/** One endpoint asked over and over while the fleet streams, with its goal (p99, ms) when it has one. */
export interface Probe {
  readonly name: string;
  readonly path: string;
  readonly goalMs?: number;
}

export interface ProbeLatency {
  readonly name: string;
  readonly path: string;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly kb: number;
  readonly goalMs?: number;
}

/**
 * Asks each probe in turn, one request at a time, until `until()` is true (at least `minRounds`
 * rounds), with `pauseMs` between requests so the hub is probed, not flooded. Any status but 200 throws.
 */
export async function runProbes(base: string, probes: readonly Probe[], until: () => boolean, minRounds: number, pauseMs: number): Promise<ProbeLatency[]> {
  const ms = probes.map(() => [] as number[]);
  const bytes = probes.map(() => 0);
  for (let round = 0; round < minRounds || !until(); round++) {
    for (const [i, p] of probes.entries()) {
      const r = await timedGet(base + p.path, 60_000);
      if (r.status !== 200) throw new Error(`GET ${p.path}: HTTP ${r.status}`);
      (ms[i] as number[]).push(r.ms);
      bytes[i] = (bytes[i] as number) + r.bytes;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  return probes.map((p, i) => {
    const m = ms[i] as number[];
    return { name: p.name, path: p.path, requests: m.length, p50: median(m), p99: quantile(m, 0.99), max: max(m), kb: (bytes[i] as number) / m.length / 1024, ...(p.goalMs === undefined ? {} : { goalMs: p.goalMs }) };
  });
}
