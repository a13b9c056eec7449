import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetClient } from '../fleet/fleet-client.js';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { type CrowsnestProcess, profileArgs, startCrowsnest } from '../harness/crowsnest.js';
import { getBytes, getText, sleep, waitFor } from '../harness/http.js';
import { cpuSeconds, cpuSplit, RssSampler } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { max, median } from '../harness/stats.js';
import { fork } from 'node:child_process';
import { children } from '../harness/children.js';
import { repoRoot } from '../harness/crowsnest.js';
import type { BareReceiverSpec } from './bare-receiver.js';

/** Figures of one measurement window of an agent run. */
export interface PhaseFigures {
  readonly seconds: number;
  readonly scrapes: number;
  readonly failedScrapes: number;
  /** Scrapes / targets: how many full cycles the window held. */
  readonly cycles: number;
  /** Cycles the window should hold at the configured interval (the agent keeps its period when equal). */
  readonly expectedCycles: number;
  readonly agentCpuPerCycle: number;
  /** The kernel's share of it (system time: socket reads). */
  readonly agentSystemPerCycle: number;
  readonly bytesPerCycle: number;
  readonly unchangedBodies: number;
  readonly upstreamBytesPerCycle: number;
  readonly hubCpuPerCycle: number;
  readonly fleetCpuPerCycle: number;
  readonly rssMedian: number;
  readonly rssMax: number;
  readonly origins: number;
  /** Forgotten origins whose last counts the agent keeps, and their keys. */
  readonly originTombstones: number;
  readonly originTombstoneKeys: number;
  readonly groups: number;
  /** The agent's V8 heap at the end of the window (its /metrics). */
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** RSS of each churn cycle, to show it stays flat while every instance is replaced. */
export interface ChurnFigures extends PhaseFigures {
  /** Median RSS of each cycle, in order. */
  readonly rssPerCycle: readonly number[];
  /** Median RSS of the second half of the cycles over the first half's. */
  readonly growth: number;
}

/** The bare receiver's cost over its window. */
export interface BareFigures {
  readonly cpuPerCycle: number;
  readonly rssMedian: number;
  readonly rssMax: number;
}

export interface AgentRunSpec {
  readonly targets: number;
  readonly unchanged: boolean;
  readonly churn: boolean;
}

export interface AgentRunResult {
  readonly targets: number;
  readonly bodyBytes: number;
  readonly changing: PhaseFigures;
  readonly unchanged?: PhaseFigures;
  readonly churn?: ChurnFigures;
  /** Bodies fetched right after the changing window, for the parse floor. */
  readonly floorBodies: Buffer[];
  /** A bare receiver (bare-receiver.ts) fetching and hashing the same targets at the same rate, bodies changing. */
  readonly bare: BareFigures;
  readonly problems: readonly string[];
}

interface Reading {
  readonly at: number;
  readonly agent: string;
  readonly hub: string;
  readonly agentCpu: number;
  readonly agentSystem: number;
  readonly hubCpu: number;
  readonly fleetCpu: number;
}

/**
 * One agent under test as a real process: a fleet child serving `spec.targets` simulated Periskop
 * clients, a real hub, a real agent scraping the fleet and shipping to the hub. Measures windows of
 * whole cycles from outside (/proc CPU and RSS, the processes' /metrics): bodies changing every scrape,
 * then optionally identical bodies, then optionally churn (every scrape a new instance).
 */
export async function runAgent(ctx: BenchContext, spec: AgentRunSpec): Promise<AgentRunResult> {
  const o = ctx.options.agent;
  const services = Array.from({ length: o.services }, (_, i) => `svc-${i + 1}`);
  const dir = join(ctx.dir, `agent-${spec.targets}`);
  await mkdir(dir, { recursive: true });
  ctx.log(`agent: starting a fleet of ${spec.targets} targets, a hub and an agent`);
  const fleet = await FleetClient.start({ services, targets: spec.targets, keys: o.keys, samplesPerKey: o.samplesPerKey, changesPerScrape: o.changesPerScrape, seed: 7 });
  let hub: CrowsnestProcess | undefined;
  let agent: CrowsnestProcess | undefined;
  try {
    hub = await startCrowsnest('hub', {
      dir, name: 'hub', nodeArgs: profileArgs(ctx.profileDir, `hub-agent-run-${spec.targets}`),
      config: { hub: { listen: '127.0.0.1:0', data_dir: join(dir, 'hub'), snapshot_interval: '1h', agent_tokens: [BENCH_TOKEN] }, log: { level: 'info' } },
    });
    const hubPort = await hub.port('hub listening', 60_000);
    const interval = `${o.intervalMs}ms`;
    agent = await startCrowsnest('agent', {
      dir, name: 'agent', nodeArgs: [...profileArgs(ctx.profileDir, `agent-${spec.targets}`), ...(process.env['BENCH_AGENT_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [])],
      config: {
        agent: {
          name: 'bench-agent', listen: '127.0.0.1:0',
          hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: BENCH_TOKEN }],
          services: services.map((name) => ({ name, static_configs: [{ targets: fleet.addresses(name) }], scraper: { endpoint: '/errors', refresh_interval: interval, timeout: '5s' } })),
        },
        log: { level: 'info' },
      },
    });
    const agentPort = await agent.port('agent started', 60_000);
    const a = agent;
    const h = hub;
    // The window's clock and CPU are read as the agent's counters arrive (a busy agent may take a while
    // to answer /metrics), so scrapes, seconds and CPU cover the same span.
    const read = async (): Promise<Reading> => {
      const agent = await getText(`http://127.0.0.1:${agentPort}/metrics`);
      const at = performance.now();
      const agentCpu = cpuSeconds(a.pid);
      const agentSystem = cpuSplit(a.pid).system;
      const fleetCpu = fleet.cpuSeconds();
      const hub = await getText(`http://127.0.0.1:${hubPort}/metrics`);
      return { at, agent, hub, agentCpu, agentSystem, hubCpu: cpuSeconds(h.pid), fleetCpu };
    };
    const scrapes = (text: string) => metricSum(text, 'crowsnest_agent_scrapes_total');
    const warmup = spec.targets * o.warmupCycles;
    await waitFor('the agent to connect to its hub and finish its warm-up cycles', async () => {
      const text = await getText(`http://127.0.0.1:${agentPort}/metrics`);
      return metricSum(text, 'crowsnest_agent_upstream_connected') === 1 && scrapes(text) >= warmup;
    }, o.intervalMs * (o.warmupCycles + 3) + 30_000, 1_000);

    const measure = async (cycles: number, onCycle?: (i: number, rss: number[]) => void): Promise<PhaseFigures> => {
      const start = await read();
      const sampler = new RssSampler(a.pid);
      for (let i = 0; i < cycles; i++) {
        const from = sampler.samples.length;
        await sleep(o.intervalMs);
        onCycle?.(i, sampler.samples.slice(from));
      }
      const rss = sampler.stop();
      const end = await read();
      return figures(start, end, rss, spec.targets, o.intervalMs);
    };

    ctx.log(`agent: ${spec.targets} targets, bodies changing every scrape (${o.measureCycles} cycles of ${o.intervalMs / 1000} s)`);
    const changing = await measure(o.measureCycles);
    // Bodies as the agent sees them, for the parse floor measured after the run.
    const floorBodies: Buffer[] = [];
    for (const t of fleet.targets.slice(0, Math.min(100, fleet.targets.length))) floorBodies.push(await getBytes(`http://${t.address}/errors`));

    let unchanged: PhaseFigures | undefined;
    if (spec.unchanged) {
      await fleet.setMode('static');
      // One cycle for every target to serve its last body once more (the floor fetch above changed some).
      await sleep(o.intervalMs);
      ctx.log(`agent: ${spec.targets} targets, identical bodies (${o.measureCycles} cycles)`);
      unchanged = await measure(o.measureCycles);
    }
    let churn: ChurnFigures | undefined;
    if (spec.churn) {
      await fleet.setMode('churn');
      ctx.log(`agent: ${spec.targets} targets, every scrape a new instance (${o.churnCycles} cycles)`);
      const perCycle: number[] = [];
      const phase = await measure(o.churnCycles, (_i, rss) => perCycle.push(median(rss)));
      const half = Math.floor(perCycle.length / 2);
      const growth = median(perCycle.slice(half)) / median(perCycle.slice(0, half));
      churn = { ...phase, rssPerCycle: perCycle, growth };
    }
    const problems = [...agent.problems(), ...hub.problems()];
    await agent.stop();
    await hub.stop();
    await fleet.setMode('changing');
    ctx.log(`agent: ${spec.targets} targets, a bare receiver (read and sha1 only) for comparison`);
    const bare = await runBareReceiver(fleet.targets.map((t) => `http://${t.address}/errors`), o.intervalMs, Math.max(2, o.measureCycles - 1));
    return { targets: spec.targets, bodyBytes: fleet.bodyBytes, changing, ...(unchanged ? { unchanged } : {}), ...(churn ? { churn } : {}), floorBodies, bare, problems };
  } finally {
    await agent?.stop();
    await hub?.stop();
    await fleet.stop();
  }
}

/** Runs bare-receiver.ts over `urls` for one warm-up cycle and `cycles` measured ones. */
async function runBareReceiver(urls: string[], intervalMs: number, cycles: number): Promise<BareFigures> {
  const spec: BareReceiverSpec = { urls, intervalMs };
  const child = children.track(fork(join(repoRoot(), 'dist', 'bench', 'agent', 'bare-receiver.js'), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the bare receiver exited with code ${code}`)));
    });
    const pid = child.pid as number;
    await sleep(intervalMs);
    const before = cpuSeconds(pid);
    const started = performance.now();
    const sampler = new RssSampler(pid);
    await sleep(intervalMs * cycles);
    const rss = sampler.stop();
    const seconds = (performance.now() - started) / 1000;
    return { cpuPerCycle: (cpuSeconds(pid) - before) / ((seconds * 1000) / intervalMs), rssMedian: median(rss), rssMax: max(rss) };
  } finally {
    await children.stop(child, 5_000);
  }
}

function figures(start: Reading, end: Reading, rss: readonly number[], targets: number, intervalMs: number): PhaseFigures {
  const d = (name: string, from: string, to: string, match: Record<string, string> = {}) => metricSum(to, name, match) - metricSum(from, name, match);
  const scrapes = d('crowsnest_agent_scrapes_total', start.agent, end.agent);
  const ok = d('crowsnest_agent_scrapes_total', start.agent, end.agent, { result: 'ok' });
  const cycles = scrapes / targets;
  const per = (x: number) => (cycles > 0 ? x / cycles : Number.NaN);
  const seconds = (end.at - start.at) / 1000;
  return {
    seconds,
    scrapes,
    failedScrapes: scrapes - ok,
    cycles,
    expectedCycles: (seconds * 1000) / intervalMs,
    agentCpuPerCycle: per(end.agentCpu - start.agentCpu),
    agentSystemPerCycle: per(end.agentSystem - start.agentSystem),
    bytesPerCycle: per(d('crowsnest_agent_scraped_bytes_total', start.agent, end.agent)),
    unchangedBodies: d('crowsnest_agent_unchanged_bodies_total', start.agent, end.agent),
    upstreamBytesPerCycle: per(d('crowsnest_hub_bytes_received_total', start.hub, end.hub)),
    hubCpuPerCycle: per(end.hubCpu - start.hubCpu),
    fleetCpuPerCycle: per(end.fleetCpu - start.fleetCpu),
    rssMedian: median(rss),
    rssMax: rss.length > 0 ? max(rss) : Number.NaN,
    origins: metricSum(end.agent, 'crowsnest_agent_origins'),
    originTombstones: metricSum(end.agent, 'crowsnest_agent_origin_tombstones'),
    originTombstoneKeys: metricSum(end.agent, 'crowsnest_agent_origin_tombstone_keys'),
    groups: metricSum(end.agent, 'crowsnest_agent_groups'),
    heapUsed: metricSum(end.agent, 'nodejs_heap_size_used_bytes'),
    heapTotal: metricSum(end.agent, 'nodejs_heap_size_total_bytes'),
    external: metricSum(end.agent, 'nodejs_external_memory_bytes'),
  };
}
