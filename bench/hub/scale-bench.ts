import { join } from 'node:path';
import { ServicesResponseSchema } from '../../common/api/v1.js';
import type { BenchContext } from '../harness/context.js';
import { getText, sleep, waitFor } from '../harness/http.js';
import { cpuSeconds, rssBytes, RssSampler } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { max, median, MiB, quantile, round } from '../harness/stats.js';
import { type RunningHub, startHubOn } from './hub-fixture.js';
import { type Probe, type ProbeLatency, runProbes } from './scale-probes.js';
import { BIG_SERVICE, type ScaleFleet, ScaleSource, slotGroup } from './scale-source.js';

const SLICE_MS = 10;

async function hubTotal(port: number): Promise<number> {
  const body = ServicesResponseSchema.parse(JSON.parse(await getText(`http://127.0.0.1:${port}/api/v1/services`, 60_000)));
  return body.items.reduce((n, s) => n + s.total_count, 0);
}

/** Waits until every source has synced (and the hub's totals are the sources' sums); ms taken. */
async function waitSynced(sources: readonly ScaleSource[], port: () => number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await waitFor('every source to sync', async () => sources.every((s) => s.synced), timeoutMs, 100);
  const expected = sources.reduce((n, s) => n + s.total, 0);
  await waitFor('the hub totals to match the sources', async () => (await hubTotal(port())) === expected, 60_000, 500);
  return performance.now() - started;
}

/**
 * Streams deltas from every source, staggered over `tickMs` in slices of 10 ms so the fleet sends
 * evenly as unsynchronised agents do, until stopped.
 */
function streamDeltas(sources: readonly ScaleSource[], o: BenchContext['options']['hubScale']): { stop: () => { sent: number; skipped: number } } {
  const slices = Math.max(1, Math.round(o.tickMs / SLICE_MS));
  const perTick = Math.max(1, Math.round((o.updatesPerSecond * o.tickMs) / 1000 / sources.length));
  let n = 0;
  let sent = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    const slice = n++ % slices;
    for (let i = slice; i < sources.length; i += slices) {
      if ((sources[i] as ScaleSource).tick(perTick)) sent++;
      else skipped++;
    }
  }, SLICE_MS);
  return { stop: () => (clearInterval(timer), { sent, skipped }) };
}

interface Window {
  readonly seconds: number;
  readonly acks: number[];
  readonly updatesPerSecond: number;
  readonly hubCpuShare: number;
  readonly probes: ProbeLatency[];
}

/** Runs `probe` for `seconds` while the sources stream; the acks, merge rate and hub CPU of that window. */
async function measureWindow(sources: readonly ScaleSource[], pid: number, base: string, seconds: number, probe: (until: () => boolean) => Promise<ProbeLatency[]>): Promise<Window> {
  for (const s of sources) s.ackMs.length = 0;
  const read = async () => ({ at: performance.now(), cpu: cpuSeconds(pid), updates: metricSum(await getText(`${base}/metrics`, 60_000), 'crowsnest_hub_group_updates_total') });
  const before = await read();
  const deadline = performance.now() + seconds * 1000;
  const probes = await probe(() => performance.now() >= deadline);
  const after = await read();
  const s = (after.at - before.at) / 1000;
  return { seconds: s, acks: sources.flatMap((x) => x.ackMs), updatesPerSecond: (after.updates - before.updates) / s, hubCpuShare: (after.cpu - before.cpu) / s, probes };
}

/**
 * The global hub at fleet size (issue 14): `sources` protocol-level agents sync their share of
 * `groups` into a real hub process, stream `updatesPerSecond` group updates while every API endpoint
 * and /metrics are asked one at a time, then the hub is stopped with SIGTERM and restarted, and every
 * source re-syncs. Reports sync time, RSS after sync and at peak, CPU, ack latency, API p99s,
 * restart-to-ready and busy closes, and checks the totals are exact after each sync.
 */
export async function scaleBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.hubScale;
  const fleet: ScaleFleet = { sources: o.sources, groups: o.groups, services: o.services, bigGroups: o.bigGroups, partSize: o.partSize, sampleShare: o.sampleShare };
  const dataDir = join(ctx.dir, 'scale-hub');
  const start = (): Promise<RunningHub> => startHubOn(ctx, 'scale-hub', dataDir, 10 * 60_000, { snapshot_interval: '30s' });
  let hub = await start();
  let port = hub.port;
  let rss = new RssSampler(hub.proc.pid, 200);
  const sources = Array.from({ length: o.sources }, (_, i) => new ScaleSource(fleet, i, () => port));
  try {
    ctx.log(`scale: ${o.sources} sources syncing ${o.groups.toLocaleString('en-US')} groups over ${o.services} services`);
    const cpuBeforeSync = cpuSeconds(hub.proc.pid);
    for (const s of sources) s.connect();
    const syncMs = await waitSynced(sources, () => port, 15 * 60_000);
    const syncCpu = cpuSeconds(hub.proc.pid) - cpuBeforeSync;
    await sleep(5_000);
    const rssAfterSync = rssBytes(hub.proc.pid);
    ctx.log(`scale: synced in ${round(syncMs / 1000)} s, RSS ${round(rssAfterSync / MiB)} MiB; streaming ${o.updatesPerSecond} updates/s for ${o.windowSeconds} s`);

    const base = `http://127.0.0.1:${port}`;
    const svc = slotGroup(fleet, o.bigGroups);
    const probes: Probe[] = [
      { name: 'GET /api/v1/services', path: '/api/v1/services', goalMs: 50 },
      { name: `v1 list, default page (${o.bigGroups.toLocaleString('en-US')} groups)`, path: `/api/v1/services/${BIG_SERVICE}/errors` },
      { name: `v1 one group`, path: `/api/v1/services/${svc.service}/errors/${encodeURIComponent(svc.key)}` },
      { name: 'v1 every service, search q=timeout', path: '/api/v1/errors?q=timeout' },
      { name: 'GET /api/v1/sources', path: '/api/v1/sources' },
      { name: `Periskop GET /services/{name}/errors/ (${o.bigGroups.toLocaleString('en-US')} groups)`, path: `/services/${BIG_SERVICE}/errors/`, goalMs: 500 },
      { name: 'GET /metrics', path: '/metrics', goalMs: 100 },
    ];
    const stream = streamDeltas(sources, o);
    // Window 1, the merge path as in production: deltas, a Prometheus scrape of /metrics every 15 s,
    // the overview's list of services every 15 s, snapshots every 30 s.
    const merging = await measureWindow(sources, hub.proc.pid, base, o.windowSeconds, async (until) =>
      runProbes(base, [probes[0] as Probe, probes[6] as Probe], until, 1, 7_500));
    // Window 2, every endpoint asked one after the other as fast as it answers (a busy UI, scripts).
    ctx.log(`scale: every API endpoint, one request at a time, for ${o.windowSeconds / 2} s while streaming`);
    const probing = await measureWindow(sources, hub.proc.pid, base, o.windowSeconds / 2, async (until) => runProbes(base, probes, until, 3, 50));
    const { sent, skipped } = stream.stop();
    const latencies = probing.probes;
    const acks = merging.acks;
    const windowS = merging.seconds;
    const updatesPerSecond = merging.updatesPerSecond;
    const hubCpuShare = merging.hubCpuShare;
    await waitFor('the last deltas to be acked', async () => sources.every((s) => !s.busy), 60_000, 50);
    const exactAfterStream = (await hubTotal(port)) === sources.reduce((n, s) => n + s.total, 0);

    ctx.log('scale: SIGTERM, restart, re-sync');
    const busyBefore = sources.reduce((n, s) => n + s.busyCloses, 0);
    const stopStarted = performance.now();
    await hub.proc.stop(120_000);
    const stopMs = performance.now() - stopStarted;
    const peakRss = max(rss.stop());
    hub = await start();
    port = hub.port;
    rss = new RssSampler(hub.proc.pid, 200);
    const resyncMs = await waitSynced(sources, () => port, 15 * 60_000);
    const restartPeakRss = max(rss.stop());
    const busyCloses = sources.reduce((n, s) => n + s.busyCloses, 0) - busyBefore;

    const pct = (l: (typeof latencies)[number]) => [l.name, round(l.p50), round(l.p99), round(l.max), round(l.kb), l.requests];
    return {
      name: 'scale',
      figures: { fleet, syncMs, syncCpu, rssAfterSync, peakRss, restartPeakRss, windowS, updatesPerSecond, hubCpuShare, sent, skipped, ack: { n: acks.length, p50: median(acks), p99: quantile(acks, 0.99), max: max(acks) }, ackUnderApi: { n: probing.acks.length, p50: median(probing.acks), p99: quantile(probing.acks, 0.99), max: max(probing.acks) }, probingCpuShare: probing.hubCpuShare, scrapes: merging.probes, latencies, stopMs, restartReadyMs: hub.readyMs, resyncMs, busyCloses, exactAfterStream },
      checks: [
        check(`hub at ${round(o.groups / 1000)}k groups: peak RSS`, Math.max(peakRss, restartPeakRss) / MiB, '<=', 2048, ' MiB'),
        check(`hub at ${round(o.groups / 1000)}k groups: ack p99 at ${o.updatesPerSecond} updates/s`, quantile(acks, 0.99), '<', 100, ' ms'),
        ...latencies.filter((l) => l.goalMs !== undefined).map((l) => check(`hub at ${round(o.groups / 1000)}k groups: ${l.name} p99`, l.p99, '<', l.goalMs as number, ' ms')),
        check('hub restart: busy closes while every source re-syncs', busyCloses, '<=', 0),
        check('hub at scale: totals exact after streaming and after the re-sync', exactAfterStream ? 1 : 0, '>=', 1),
      ],
      tables: [
        {
          title: `Global hub at ${o.groups.toLocaleString('en-US')} groups from ${o.sources} sources over ${o.services} services (real hub, protocol-level sources, snapshot every 30 s)`,
          header: ['figure', 'value', 'notes'],
          rows: [
            ['sync, every source from connect to exact totals (s)', round(syncMs / 1000), `hub CPU ${round(syncCpu)} s`],
            ['RSS after sync (MiB)', round(rssAfterSync / MiB), '5 s after the last part'],
            ['peak RSS (MiB), sync + streaming', round(peakRss / MiB), `after restart and re-sync: ${round(restartPeakRss / MiB)} MiB`],
            ['group updates/s merged', round(updatesPerSecond), `hub ${round(hubCpuShare * 100)}% of a core; ${sent} deltas sent, ${skipped} ticks waited for an ack`],
            ['ack latency p50 / p99 / max (ms)', `${round(median(acks))} / ${round(quantile(acks, 0.99))} / ${round(max(acks))}`, `${acks.length} deltas; /metrics every 15 s (p99 ${round((merging.probes[1] as ProbeLatency).p99)} ms), snapshots every 30 s`],
            ['ack latency while every API endpoint is asked back to back (ms)', `${round(median(probing.acks))} / ${round(quantile(probing.acks, 0.99))} / ${round(max(probing.acks))}`, `hub ${round(probing.hubCpuShare * 100)}% of a core`],
            ['SIGTERM to exit (final snapshot) (s)', round(stopMs / 1000), null],
            ['restart to ready (s)', round(hub.readyMs / 1000), 'loading the snapshot'],
            ['re-sync after restart (s)', round(resyncMs / 1000), `${busyCloses} busy closes`],
          ],
        },
        { title: `Hub API while streaming (window 2: one request at a time, back to back, for ${round(probing.seconds)} s)`, header: ['endpoint', 'p50 ms', 'p99 ms', 'max ms', 'KB/answer', 'requests'], rows: latencies.map(pct) },
      ],
    };
  } finally {
    for (const s of sources) s.stop();
    rss.stop();
    await hub.proc.stop(120_000);
  }
}
