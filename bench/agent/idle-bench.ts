import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { children } from '../harness/children.js';
import { type CrowsnestProcess, profileArgs, startCrowsnest } from '../harness/crowsnest.js';
import { getText, sleep, waitFor } from '../harness/http.js';
import { cpuSeconds, RssSampler } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { max, MiB, median, round } from '../harness/stats.js';

/** RSS of one idle process over the window, and its V8 heap at the end of it. */
interface IdleFigures {
  readonly rssMedian: number;
  readonly rssMax: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly cpuPerMinute: number;
}

/**
 * Idle RSS (issue 19): a real hub and a real agent with one link to it and no targets, measured after
 * the link is up and their start-up garbage is collected (`settleMs`), over `windowMs`; a bare `node`
 * doing nothing is measured beside them as the floor the goals are set against.
 */
export async function idleBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.idle;
  const dir = join(ctx.dir, 'idle');
  await mkdir(dir, { recursive: true });
  let hub: CrowsnestProcess | undefined;
  let agent: CrowsnestProcess | undefined;
  const bare = children.track(spawn(process.execPath, ['-e', 'setInterval(() => undefined, 60_000)'], { stdio: 'ignore' }));
  try {
    hub = await startCrowsnest('hub', {
      dir, name: 'hub', nodeArgs: profileArgs(ctx.profileDir, 'hub-idle'),
      config: { hub: { listen: '127.0.0.1:0', data_dir: join(dir, 'hub'), snapshot_interval: '1h', agent_tokens: [BENCH_TOKEN] }, log: { level: 'info' } },
    });
    const hubPort = await hub.port('hub listening', 60_000);
    agent = await startCrowsnest('agent', {
      dir, name: 'agent', nodeArgs: [...profileArgs(ctx.profileDir, 'agent-idle'), ...(process.env['BENCH_AGENT_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [])],
      config: { agent: { name: 'idle-agent', listen: '127.0.0.1:0', hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: BENCH_TOKEN }] }, log: { level: 'info' } },
    });
    const agentPort = await agent.port('agent started', 60_000);
    await waitFor('the idle agent to connect to its hub', async () => metricSum(await getText(`http://127.0.0.1:${agentPort}/metrics`), 'crowsnest_agent_upstream_connected') === 1, 30_000, 250);
    ctx.log(`idle: agent linked to its hub; settling ${o.settleMs / 1000} s, then measuring ${o.windowMs / 1000} s`);
    await sleep(o.settleMs);
    const pids = { agent: agent.pid, hub: hub.pid, bare: bare.pid as number };
    const cpuBefore = { agent: cpuSeconds(pids.agent), hub: cpuSeconds(pids.hub), bare: cpuSeconds(pids.bare) };
    const samplers = { agent: new RssSampler(pids.agent), hub: new RssSampler(pids.hub), bare: new RssSampler(pids.bare) };
    await sleep(o.windowMs);
    const minutes = o.windowMs / 60_000;
    const metrics = { agent: await getText(`http://127.0.0.1:${agentPort}/metrics`), hub: await getText(`http://127.0.0.1:${hubPort}/metrics`), bare: '' };
    const figures = (name: 'agent' | 'hub' | 'bare'): IdleFigures => {
      const rss = samplers[name].stop();
      return {
        rssMedian: median(rss), rssMax: max(rss),
        heapUsed: metricSum(metrics[name], 'nodejs_heap_size_used_bytes'), heapTotal: metricSum(metrics[name], 'nodejs_heap_size_total_bytes'),
        cpuPerMinute: (cpuSeconds(pids[name]) - cpuBefore[name]) / minutes,
      };
    };
    const measured = { agent: figures('agent'), hub: figures('hub'), bare: figures('bare') };
    const problems = [...agent.problems(), ...hub.problems()];
    const mib = (b: number) => (b === 0 ? null : round(b / MiB, 3));
    return {
      name: 'idle',
      tables: [{
        title: `Idle processes (an agent with one hub link and no targets, its hub; ${o.settleMs / 1000} s after the link is up, RSS sampled over ${o.windowMs / 1000} s)`,
        header: ['process', 'RSS median MiB', 'RSS max MiB', 'heap used MiB', 'heap total MiB', 'CPU s per minute'],
        rows: (['agent', 'hub', 'bare'] as const).map((name) => [name === 'bare' ? 'bare node (setInterval only)' : name, mib(measured[name].rssMedian), mib(measured[name].rssMax),
          mib(measured[name].heapUsed), mib(measured[name].heapTotal), round(measured[name].cpuPerMinute, 3)]),
      }, ...(problems.length > 0 ? [{ title: 'Warnings logged by the idle processes', header: ['message'], rows: [...new Set(problems)].slice(0, 20).map((p) => [p]) }] : [])],
      checks: [
        check('idle agent RSS (one hub link, no targets), median', measured.agent.rssMedian / MiB, '<=', 55, ' MiB'),
        check('idle hub RSS (one agent linked), median', measured.hub.rssMedian / MiB, '<=', 60, ' MiB'),
      ],
      figures: measured,
    };
  } finally {
    await agent?.stop();
    await hub?.stop();
    await children.stop(bare, 5_000);
  }
}
