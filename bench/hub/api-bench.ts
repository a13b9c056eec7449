import { join } from 'node:path';
import type { BenchContext } from '../harness/context.js';
import { getText, timedGet } from '../harness/http.js';
import { rssBytes } from '../harness/proc-stat.js';
import { seriesCount } from '../harness/prom-text.js';
import { type BenchResult, check, type TargetCheck } from '../harness/report.js';
import { max, median, MiB, quantile, round } from '../harness/stats.js';
import { startHubOn, waitUntilIdle, writeSnapshot } from './hub-fixture.js';

interface Latency {
  readonly name: string;
  readonly path: string;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly bytes: number;
}

/**
 * Hub API latency with 100,000 groups held (DESIGN section 9: p99 under 50 ms for the Periskop
 * errors endpoint and the v1 lists, a service's and every service's), and /metrics at the same size. The state is written as a
 * snapshot with the hub's own store, a real hub loads it, and requests go one at a time (keep-alive)
 * after the hub finished its background work.
 */
export async function apiBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.api;
  const services: [string, number][] = [['big', o.bigServiceGroups], ...Array.from({ length: o.services }, (_, i) => [`svc-${i + 1}`, o.groupsPerService] as [string, number])];
  const groups = services.reduce((n, [, g]) => n + g, 0);
  const dataDir = join(ctx.dir, 'api-hub');
  ctx.log(`api: writing a snapshot of ${groups.toLocaleString('en-US')} groups`);
  const written = await writeSnapshot({ dataDir, hubId: 'bench-api', spec: { services, lineages: 20, samplesPerGroup: 5, withSamples: 1, withSeries: 0.3, withTags: 0.5, now: Date.now() } }, 5 * 60_000);
  const hub = await startHubOn(ctx, 'api-hub', dataDir, 120_000);
  try {
    await waitUntilIdle(hub.proc.pid, 60_000);
    const base = `http://127.0.0.1:${hub.port}`;
    const endpoints: { name: string; path: (i: number) => string; checked: boolean }[] = [
      { name: `Periskop GET /services/{name}/errors/ (${o.groupsPerService} groups)`, path: (i) => `/services/svc-${(i % o.services) + 1}/errors/`, checked: true },
      { name: `v1 list, default page (${o.groupsPerService} groups)`, path: (i) => `/api/v1/services/svc-${(i % o.services) + 1}/errors`, checked: true },
      { name: `v1 list, default page (${o.bigServiceGroups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/services/big/errors', checked: true },
      { name: `v1 list, sort=count&status=all (${o.bigServiceGroups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/services/big/errors?sort=count&status=all&limit=100', checked: true },
      { name: `v1 list, search q=timeout (${o.bigServiceGroups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/services/big/errors?q=timeout', checked: true },
      { name: 'v1 one group with samples and series', path: () => '/api/v1/services/svc-1/errors', checked: false },
      { name: `v1 every service, default page (${groups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/errors', checked: true },
      { name: `v1 every service, search q=timeout (${groups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/errors?q=timeout', checked: true },
      { name: `v1 every service, environment=staging (${groups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/errors?environment=staging', checked: true },
      { name: `v1 every service, q=timeout&release=2.7.0 (${groups.toLocaleString('en-US')} groups)`, path: () => '/api/v1/errors?q=timeout&release=2.7.0', checked: true },
      { name: 'GET /metrics', path: () => '/metrics', checked: false },
    ];
    // The detail route needs a key: take the first of the list.
    const first = (JSON.parse(await getText(`${base}/api/v1/services/svc-1/errors?limit=1`)) as { items: { key: string }[] }).items[0]?.key ?? '';
    const detail = endpoints[5] as (typeof endpoints)[number];
    detail.path = () => `/api/v1/services/svc-1/errors/${encodeURIComponent(first)}`;
    const latencies: Latency[] = [];
    for (const e of endpoints) {
      ctx.log(`api: ${e.name}`);
      for (let i = 0; i < 10; i++) await timedGet(base + e.path(i));
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < o.requests; i++) {
        const r = await timedGet(base + e.path(i));
        if (r.status !== 200) throw new Error(`GET ${e.path(i)}: HTTP ${r.status}`);
        ms.push(r.ms);
        bytes += r.bytes;
      }
      latencies.push({ name: e.name, path: e.path(0), requests: ms.length, p50: median(ms), p99: quantile(ms, 0.99), max: max(ms), bytes: bytes / ms.length });
    }
    const metrics = await getText(`${base}/metrics`);
    const series = seriesCount(metrics, 'periskop_error_occurrences');
    const rss = rssBytes(hub.proc.pid);
    const checks: TargetCheck[] = endpoints.map((e, i) => ({ e, l: latencies[i] as Latency })).filter(({ e }) => e.checked)
      .map(({ e, l }) => check(`hub API p99 at ${round(groups / 1000)}k groups: ${e.name}`, l.p99, '<', 50, ' ms'));
    return {
      name: 'api',
      figures: { groups, snapshot: written, startupMs: hub.readyMs, rss, latencies, metricsSeries: series },
      checks,
      tables: [{
        title: `Hub API latency with ${groups.toLocaleString('en-US')} groups held (${written.samples.toLocaleString('en-US')} samples, hub RSS ${round(rss / MiB)} MiB; ${o.requests} sequential requests each)`,
        header: ['endpoint', 'p50 ms', 'p99 ms', 'max ms', 'KB/answer'],
        rows: [
          ...latencies.map((l) => [l.name, round(l.p50), round(l.p99), round(l.max), round(l.bytes / 1024)]),
          [`/metrics series: ${series} periskop_error_occurrences (max_series default)`, null, null, null, null],
        ],
      }],
    };
  } finally {
    await hub.proc.stop();
  }
}
