import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BenchContext } from '../harness/context.js';
import { BENCH_TOKEN } from '../harness/context.js';
import { getText, waitFor } from '../harness/http.js';
import { cpuSeconds, rssBytes } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { MiB, quantile, round } from '../harness/stats.js';
import { type RunningHub, startHubOn, writeSnapshot } from './hub-fixture.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SERVICE = 'svc-1';
const errorUrl = (port: number, key: string) => `http://127.0.0.1:${port}/api/v1/services/${SERVICE}/errors/${encodeURIComponent(key).replace(/\./g, '%2E')}`;

async function resolve(port: number, key: string): Promise<void> {
  const res = await fetch(`${errorUrl(port, key)}/resolve`, { method: 'POST' });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`resolve ${key}: HTTP ${res.status}`);
}

/**
 * An HA pair (hub.peers) on 127.0.0.1, both hubs started on the same synthetic snapshot:
 * - replication lag: one resolve at a time on hub A, timed from the request until hub B's API shows it
 *   resolved (A's journal and register fsyncs, the peer link, B's fsync, B's API), p50 and p99;
 * - the cost of user actions: `actions` resolves sent to A (16 at a time), timed until B holds them
 *   all, with both hubs' CPU, the register logs' size and the memory they add.
 */
export async function peersBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.peers;
  const groups = o.actions + o.rounds;
  const ports = { a: await freePort(), b: await freePort() };
  const dirs = { a: join(ctx.dir, 'peer-a'), b: join(ctx.dir, 'peer-b') };
  ctx.log(`peers: two hubs on a snapshot of ${groups.toLocaleString('en-US')} groups`);
  const spec = { services: [[SERVICE, groups]] as [string, number][], lineages: 2, samplesPerGroup: 1, withSamples: 0.1, withSeries: 0, now: Date.now(), seed: 15 };
  await writeSnapshot({ dataDir: dirs.a, hubId: 'bench-peer-a', spec }, 120_000);
  await writeSnapshot({ dataDir: dirs.b, hubId: 'bench-peer-b', spec }, 120_000);
  const peerOf = (port: number) => [{ url: `ws://127.0.0.1:${port}/federate`, token: BENCH_TOKEN }];
  const [a, b]: RunningHub[] = await Promise.all([
    startHubOn(ctx, 'peer-a', dirs.a, 60_000, { listen: `127.0.0.1:${ports.a}`, peers: peerOf(ports.b) }),
    startHubOn(ctx, 'peer-b', dirs.b, 60_000, { listen: `127.0.0.1:${ports.b}`, peers: peerOf(ports.a) }),
  ]) as [RunningHub, RunningHub];
  const metric = async (hub: RunningHub, name: string) => metricSum(await getText(`http://127.0.0.1:${hub.port}/metrics`), name);
  await waitFor('the peers to connect', async () => (await metric(a, 'crowsnest_hub_peers_connected')) === 1 && (await metric(b, 'crowsnest_hub_peers_connected')) === 1, 30_000, 50);
  const keys = (JSON.parse(await getText(`http://127.0.0.1:${a.port}/services/${SERVICE}/errors/`)) as { aggregation_key: string }[]).map((e) => e.aggregation_key);

  ctx.log(`peers: replication lag over ${o.rounds} resolves`);
  const lags: number[] = [];
  for (const key of keys.slice(0, o.rounds)) {
    const started = performance.now();
    await resolve(a.port, key);
    for (;;) {
      const view = JSON.parse(await getText(errorUrl(b.port, key))) as { status: string };
      if (view.status === 'resolved') break;
      await new Promise((r) => setTimeout(r, 1));
    }
    lags.push(performance.now() - started);
  }

  ctx.log(`peers: ${o.actions.toLocaleString('en-US')} resolves on one hub`);
  const before = { cpuA: cpuSeconds(a.proc.pid), cpuB: cpuSeconds(b.proc.pid), rssA: rssBytes(a.proc.pid), rssB: rssBytes(b.proc.pid) };
  const batch = keys.slice(o.rounds, o.rounds + o.actions);
  const actions = batch.length;
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < batch.length) await resolve(a.port, batch[next++] as string);
  }));
  const answeredMs = performance.now() - started;
  // Every group A holds a resolve of (the synthetic keys the Periskop list gave), B must hold too.
  const onA = await metric(a, 'crowsnest_hub_peer_register_entries');
  await waitFor('the peer to hold every resolve', async () => (await metric(b, 'crowsnest_hub_peer_register_entries')) >= onA, 120_000, 20).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}: B holds ${await metric(b, 'crowsnest_hub_peer_register_entries')} of ${onA}`);
  });
  const replicatedMs = performance.now() - started;
  const cpuA = cpuSeconds(a.proc.pid) - before.cpuA;
  const cpuB = cpuSeconds(b.proc.pid) - before.cpuB;
  const logBytes = (await stat(join(dirs.a, 'peer-register.log'))).size;
  const p99 = quantile(lags, 0.99);
  a.proc.child.kill('SIGKILL');
  b.proc.child.kill('SIGKILL');
  return {
    name: 'peers',
    figures: { lagsMs: lags, answeredMs, replicatedMs, cpuA, cpuB, logBytes, rss: { before, afterA: rssBytes(a.proc.pid), afterB: rssBytes(b.proc.pid) } },
    checks: [check('peers: a resolve on one hub visible on its peer (p99, ms)', p99, '<', 2_000, ' ms')],
    tables: [
      {
        title: `Peer replication lag: one resolve at a time on hub A until hub B's API shows it (${o.rounds} resolves)`,
        header: ['p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [[round(quantile(lags, 0.5)), round(quantile(lags, 0.9)), round(p99), round(Math.max(...lags))]],
      },
      {
        title: `Cost of ${actions.toLocaleString('en-US')} resolves on hub A (16 in flight), replicated to hub B`,
        header: ['all answered s', 'all on B s', 'actions/s', 'CPU A s', 'CPU B s', 'CPU A+B µs/action', 'register log bytes/action', 'RSS A +MiB', 'RSS B +MiB'],
        rows: [[round(answeredMs / 1000), round(replicatedMs / 1000), Math.round(actions / (answeredMs / 1000)), round(cpuA), round(cpuB), Math.round(((cpuA + cpuB) * 1e6) / actions),
          Math.round(logBytes / (actions + lags.length)), round((rssBytes(a.proc.pid) - before.rssA) / MiB), round((rssBytes(b.proc.pid) - before.rssB) / MiB)]],
      },
    ],
  };
}
