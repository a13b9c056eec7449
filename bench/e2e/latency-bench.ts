import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentConfigSchema, UpstreamSchema } from '../../common/config/schema.js';
import { seeded } from '../../demo/random.js';
import { benchKinds } from '../fleet/bench-kinds.js';
import { BenchTarget } from '../fleet/bench-target.js';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { type CrowsnestProcess, profileArgs, startCrowsnest } from '../harness/crowsnest.js';
import { getText, sleep, waitFor } from '../harness/http.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { max, median, quantile, round } from '../harness/stats.js';
import { ProbeTarget } from './probe-target.js';

/** The service of the timed targets, and that of the targets changing at every scrape. */
const SERVICE = 'latency';
const BACKGROUND = 'background';

/** One bump of one probe target, with the times (performance.now()) it was seen along the way. */
interface Round {
  readonly probe: number;
  readonly key: string;
  /** When the occurrence was recorded at the target. */
  readonly t0: number;
  /** The target's total after it. */
  readonly expected: number;
  /** The first answer of each hub's API holding the new total. */
  regionalAt?: number;
  globalAt?: number;
  seen?: () => void;
}

/** A round's figures in ms; undefined where the round timed out before the global hub showed it. */
export interface RoundFigures {
  readonly probe: number;
  /** Bump to the agent's next scrape of the target: the phase of the bump in the scrape schedule. */
  readonly waitForScrape: number | undefined;
  /** Scrape to visible at the regional hub: parse, the agent's flush, the federation link, the merge. */
  readonly scrapeToRegional: number | undefined;
  /** Regional to global: the regional hub's upstream flush, the link, the global merge. */
  readonly regionalToGlobal: number | undefined;
  readonly toRegional: number | undefined;
  readonly toGlobal: number | undefined;
}

/**
 * Polls the v1 error list of one service at every hub in `urls` every `everyMs`, the hubs at the same
 * moment (one request each at a time, keep-alive), and hands each answer's totals, with the time the
 * answer arrived, to `seen`. Until stop().
 */
class ListPoller {
  polls = 0;
  failures = 0;
  private running = true;
  readonly done: Promise<void>;

  constructor(urls: readonly string[], everyMs: number, seen: (hub: number, at: number, totals: Map<string, number>) => void) {
    const once = async (hub: number) => {
      try {
        const answer = await totalsAt(urls[hub] as string);
        this.polls++;
        seen(hub, performance.now(), answer);
      } catch {
        this.failures++;
      }
    };
    this.done = (async () => {
      while (this.running) {
        const started = performance.now();
        await Promise.all(urls.map((_, hub) => once(hub)));
        await sleep(Math.max(0, everyMs - (performance.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

const listUrl = (port: number) => `http://127.0.0.1:${port}/api/v1/services/${SERVICE}/errors?status=all&limit=1000`;

async function totalsAt(url: string): Promise<Map<string, number>> {
  const answer = JSON.parse(await getText(url, 5_000)) as { items: { key: string; total_count: number }[] };
  return new Map(answer.items.map((i) => [i.key, i.total_count]));
}

/**
 * End to end (DESIGN section 9: an error at a target is visible at a global hub two levels up within
 * one scrape interval plus one second). Real processes on 127.0.0.1: `agents` agents streaming to a
 * regional hub, which streams to a global hub (`upstream`). The first agent scrapes `probes` timed
 * targets; all of them share `background` targets whose errors change at every scrape, so every link
 * sends as often as its flush interval allows, as with a real fleet. Every setting is the default
 * except the scrape interval. Each probe runs its rounds one after the other, all probes at once: wait
 * a random part of the interval (a random phase in the scrape schedule), record one occurrence, and poll
 * both hubs' v1 error list until the new total shows. The target logs when the agent fetched it, so
 * each round splits into waiting for the scrape, scrape to regional hub, and regional to global hub.
 */
export async function latencyBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.latency;
  const dir = join(ctx.dir, 'latency');
  await mkdir(dir, { recursive: true });
  const agentFlushMs = AgentConfigSchema.parse({ name: 'defaults' }).flush_interval;
  const upstreamFlushMs = UpstreamSchema.parse({ url: 'ws://127.0.0.1/federate', token: BENCH_TOKEN }).flush_interval;
  const random = seeded(17);
  const kinds = benchKinds(Math.max(o.probes, 5));
  const probes: ProbeTarget[] = [];
  const background: ProbeTarget[] = [];
  const procs: CrowsnestProcess[] = [];
  let poller: ListPoller | undefined;
  try {
    for (let i = 0; i < o.probes; i++) {
      probes.push(await ProbeTarget.start(new BenchTarget({ kinds: [kinds[i] as (typeof kinds)[number]], random, samplesPerKey: 10, now: Date.now }), false));
    }
    for (let i = 0; i < o.background; i++) {
      background.push(await ProbeTarget.start(new BenchTarget({ kinds: kinds.slice(0, 5), random, samplesPerKey: 10, now: Date.now }), true));
    }
    const keys = probes.map((_, i) => (kinds[i] as (typeof kinds)[number]).key);
    ctx.log(`latency: ${o.probes} timed and ${o.background} changing targets, ${o.agents} agents scraping every ${o.intervalMs / 1000} s, a regional and a global hub`);
    const startHub = async (name: string, upstream: Record<string, unknown> | undefined): Promise<number> => {
      const proc = await startCrowsnest('hub', {
        dir, name, nodeArgs: profileArgs(ctx.profileDir, `hub-latency-${name}`),
        config: { hub: { listen: '127.0.0.1:0', data_dir: join(dir, name), hub_id: name, agent_tokens: [BENCH_TOKEN], ...(upstream === undefined ? {} : { upstream }) }, log: { level: 'info' } },
      });
      procs.push(proc);
      return proc.port('hub listening', 60_000);
    };
    const globalPort = await startHub('global', undefined);
    const regionalPort = await startHub('regional', { url: `ws://127.0.0.1:${globalPort}/federate`, token: BENCH_TOKEN, labels: { region: 'bench' } });
    const scraper = { endpoint: '/errors', refresh_interval: `${o.intervalMs}ms`, timeout: '5s' };
    // The first agent scrapes the timed targets; the changing ones are shared by all agents, so the
    // regional hub hears from several agents, as a region's hub does.
    for (let a = 0; a < o.agents; a++) {
      const name = `latency-agent-${a + 1}`;
      const mine = background.filter((_, i) => i % o.agents === a);
      const agent = await startCrowsnest('agent', {
        dir, name, nodeArgs: profileArgs(ctx.profileDir, `agent-latency-${a + 1}`),
        config: {
          agent: {
            name, listen: '127.0.0.1:0', labels: { region: 'bench' },
            hubs: [{ url: `ws://127.0.0.1:${regionalPort}/federate`, token: BENCH_TOKEN }],
            services: [
              ...(a === 0 ? [{ name: SERVICE, static_configs: [{ targets: probes.map((p) => p.address) }], scraper }] : []),
              ...(mine.length > 0 ? [{ name: BACKGROUND, static_configs: [{ targets: mine.map((p) => p.address) }], scraper }] : []),
            ],
          },
          log: { level: 'info' },
        },
      });
      procs.push(agent);
      await agent.port('agent started', 60_000);
    }

    // Warm-up: every target scraped once (its offset in the schedule is up to an interval) and its
    // count at the global hub.
    await waitFor('every timed target counted at the global hub', async () => {
      const held = await totalsAt(listUrl(globalPort));
      return probes.every((p, i) => held.get(keys[i] as string) === p.totalCount);
    }, 2 * o.intervalMs + 30_000, 100);

    const pending = new Set<Round>();
    const seenAt = (hub: number, at: number, held: Map<string, number>) => {
      const level = hub === 0 ? 'regionalAt' : 'globalAt';
      for (const r of pending) {
        if (r[level] === undefined && (held.get(r.key) ?? 0) >= r.expected) {
          r[level] = at;
          if (level === 'globalAt') {
            // What the global hub shows, the regional hub held before (its answer of this poll may come later).
            r.regionalAt ??= at;
            r.seen?.();
          }
        }
      }
    };
    const metrics = async () => ({ regional: await getText(`http://127.0.0.1:${regionalPort}/metrics`), global: await getText(`http://127.0.0.1:${globalPort}/metrics`) });
    const before = await metrics();
    const windowStarted = performance.now();
    const polling = (poller = new ListPoller([listUrl(regionalPort), listUrl(globalPort)], o.pollMs, seenAt));
    const deadlineMs = 2 * o.intervalMs + 10_000;
    ctx.log(`latency: ${o.probes} x ${o.roundsPerProbe} rounds (each at most ${deadlineMs / 1000} s)`);
    const rounds: Round[] = [];
    await Promise.all(probes.map(async (probe, p) => {
      for (let i = 0; i < o.roundsPerProbe; i++) {
        await sleep(random() * o.intervalMs);
        const expected = probe.bump();
        const round: Round = { probe: p, key: keys[p] as string, t0: performance.now(), expected };
        rounds.push(round);
        pending.add(round);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadlineMs);
          round.seen = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        pending.delete(round);
      }
    }));
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    await polling.stop();
    const after = await metrics();

    const figures: RoundFigures[] = rounds.map((r) => {
      // The agent's first request to the target after the bump.
      const scrapedAt = probes[r.probe]?.firstRequestAfter(r.t0);
      const minus = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
      return {
        probe: r.probe,
        waitForScrape: minus(scrapedAt, r.t0),
        scrapeToRegional: minus(r.regionalAt, scrapedAt),
        regionalToGlobal: minus(r.globalAt, r.regionalAt),
        toRegional: minus(r.regionalAt, r.t0),
        toGlobal: minus(r.globalAt, r.t0),
      };
    });
    const timedOut = figures.filter((f) => f.toGlobal === undefined).length;
    const problems = procs.flatMap((p) => p.problems().map((m) => `${p.name}: ${m}`));
    const messagesPerSecond = (from: string, to: string) => (metricSum(to, 'crowsnest_hub_messages_received_total') - metricSum(from, 'crowsnest_hub_messages_received_total')) / windowSeconds;

    const interval = o.intervalMs / 1000;
    const seconds = (ms: number) => round(ms / 1000, 3);
    // A timed-out round counts as never visible in the end-to-end figures.
    const endToEnd = figures.map((f) => f.toGlobal ?? Number.POSITIVE_INFINITY);
    const row = (name: string, values: (number | undefined)[], note: string) => {
      const v = values.filter((x): x is number => x !== undefined);
      return [name, v.length, seconds(median(v)), seconds(quantile(v, 0.99)), seconds(max(v)), note];
    };
    return {
      name: 'latency',
      figures: {
        intervalMs: o.intervalMs, agentFlushMs, upstreamFlushMs, pollMs: o.pollMs, probes: o.probes, background: o.background, agents: o.agents, timedOut, windowSeconds,
        polls: polling.polls, failedPolls: polling.failures,
        messagesPerSecond: { regional: messagesPerSecond(before.regional, after.regional), global: messagesPerSecond(before.global, after.global) },
        rounds: figures, problems,
      },
      checks: [check(`end to end: an error at a target visible at a global hub two levels up, p99 of ${figures.length} rounds (scrape every ${interval} s)`, quantile(endToEnd, 0.99) / 1000, '<=', interval + 1, ' s')],
      tables: [
        {
          title: `End-to-end latency: target -> agent -> regional hub -> global hub (scrape every ${interval} s; default agent flush_interval ${agentFlushMs / 1000} s and upstream flush_interval ${upstreamFlushMs / 1000} s; ` +
            `${o.probes} timed targets x ${o.roundsPerProbe} rounds at random phases, ${o.background} targets changing at every scrape over ${o.agents} agents; v1 error list of each hub polled every ${o.pollMs} ms)`,
          header: ['stage', 'rounds', 'p50 s', 'p99 s', 'max s', 'what it holds'],
          rows: [
            row('bump -> agent scrapes the target', figures.map((f) => f.waitForScrape), 'the phase in the scrape schedule (at most one interval)'),
            row('scrape -> visible at the regional hub', figures.map((f) => f.scrapeToRegional), 'parse, agent flush wait, link, merge, poll'),
            row('regional hub -> visible at the global hub', figures.map((f) => f.regionalToGlobal), 'upstream flush wait, link, merge (to one poll)'),
            row('scrape -> visible at the global hub', figures.map((f) => (f.toGlobal === undefined || f.waitForScrape === undefined ? undefined : f.toGlobal - f.waitForScrape)), 'what the target\'s "plus one second" is for'),
            row('bump -> visible at the regional hub', figures.map((f) => f.toRegional), 'one level up'),
            row('bump -> visible at the global hub', figures.map((f) => f.toGlobal), `two levels up; target: <= ${interval + 1} s`),
            [`messages/s received: regional hub ${round(messagesPerSecond(before.regional, after.regional), 3)}, global hub ${round(messagesPerSecond(before.global, after.global), 3)}; rounds not visible within ${deadlineMs / 1000} s: ${timedOut}; API answers ${polling.polls} (failed ${polling.failures})`, null, null, null, null, null],
          ],
        },
        ...(problems.length > 0 ? [{ title: 'Warnings logged by the processes under test (latency)', header: ['message'], rows: [...new Set(problems)].slice(0, 20).map((p) => [p]) }] : []),
      ],
    };
  } finally {
    await poller?.stop();
    for (const proc of procs.reverse()) await proc.stop();
    for (const t of [...probes, ...background]) await t.close();
  }
}
