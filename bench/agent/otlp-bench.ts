import { join } from 'node:path';
import { request } from 'undici';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { type CrowsnestProcess, profileArgs, startCrowsnest } from '../harness/crowsnest.js';
import { getText, waitFor } from '../harness/http.js';
import { cpuSplit, RssSampler } from '../harness/proc-stat.js';
import { metricSum } from '../harness/prom-text.js';
import { type BenchResult, check } from '../harness/report.js';
import { max, median, MiB, round } from '../harness/stats.js';
import { otlpBatches } from './otlp-batches.js';

const SERVICE = 'otlp-bench';

/**
 * OTLP ingestion throughput: exceptions per second one agent process takes through `POST /v1/traces`
 * in protobuf batches of `batchSize` spans (one exception each), sent `concurrency` at a time, with
 * the agent's CPU and RSS and a hub process receiving the counts. Every exception must be counted
 * exactly (the agent's accepted counter and the hub's totals); the goal is >= 20,000 exceptions/s.
 */
export async function otlpBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.otlp;
  ctx.log(`otlp: building ${o.batches} protobuf batches of ${o.batchSize} exceptions with the OpenTelemetry SDK`);
  const { bodies, exceptions, groups } = await otlpBatches(o.batches, o.batchSize, o.groups, SERVICE);
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  let hub: CrowsnestProcess | undefined;
  let agent: CrowsnestProcess | undefined;
  try {
    hub = await startCrowsnest('hub', {
      dir: ctx.dir, name: 'otlp-hub', nodeArgs: profileArgs(ctx.profileDir, 'otlp-hub'),
      config: { hub: { listen: '127.0.0.1:0', data_dir: join(ctx.dir, 'otlp-hub'), snapshot_interval: '1h', agent_tokens: [BENCH_TOKEN] }, log: { level: 'info' } },
    });
    const hubPort = await hub.port('hub listening', 60_000);
    agent = await startCrowsnest('agent', {
      dir: ctx.dir, name: 'otlp-agent', nodeArgs: profileArgs(ctx.profileDir, 'otlp-agent'),
      config: {
        agent: {
          name: 'otlp-bench', listen: '127.0.0.1:0', hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: BENCH_TOKEN }],
          otlp: { tokens: [BENCH_TOKEN], rate_limit: { exceptions_per_second: 1e9, burst: 1e9 } },
        },
        log: { level: 'info' },
      },
    });
    const agentPort = await agent.port('agent started', 60_000);
    const metrics = () => getText(`http://127.0.0.1:${agentPort}/metrics`);
    await waitFor('the agent connected to the hub', async () => metricSum(await metrics(), 'crowsnest_agent_upstream_connected') === 1, 30_000);

    const url = `http://127.0.0.1:${agentPort}/v1/traces`;
    const headers = { 'content-type': 'application/x-protobuf', authorization: `Bearer ${BENCH_TOKEN}` };
    const send = async (body: Buffer) => {
      const res = await request(url, { method: 'POST', body, headers });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`POST /v1/traces answered ${res.statusCode}`);
    };
    // Warm-up: the first batches (JIT, first groups) are not measured.
    const warm = Math.min(o.warmupBatches, bodies.length - 1);
    for (const body of bodies.slice(0, warm)) await send(body);
    const measured = bodies.slice(warm);
    ctx.log(`otlp: sending ${measured.length} batches (${measured.length * o.batchSize} exceptions), ${o.concurrency} at a time`);
    const rss = new RssSampler(agent.pid, 100);
    const cpuBefore = cpuSplit(agent.pid);
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (next < measured.length) await send(measured[next++] as Buffer);
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = cpuSplit(agent.pid);
    const rssSamples = rss.stop();
    const cpu = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
    const sent = measured.length * o.batchSize;

    await waitFor('the hub holding every exception', async () => {
      const errors = JSON.parse(await getText(`http://127.0.0.1:${hubPort}/services/${SERVICE}/errors/`).catch(() => '[]')) as { total_count: number }[];
      return errors.reduce((n, e) => n + e.total_count, 0) === exceptions;
    }, 60_000);
    const accepted = metricSum(await metrics(), 'crowsnest_agent_otlp_exceptions_total', { result: 'accepted' });
    if (accepted !== exceptions) throw new Error(`the agent counted ${accepted} exceptions of ${exceptions} sent`);

    const perSecond = sent / seconds;
    const perCpuSecond = sent / cpu;
    const figures = {
      batches: measured.length, batchSize: o.batchSize, groups, concurrency: o.concurrency, exceptions: sent, seconds: round(seconds, 3),
      exceptionsPerSecond: round(perSecond, 1), agentCpuSeconds: round(cpu, 3), agentSystemSeconds: round(cpuAfter.system - cpuBefore.system, 3),
      exceptionsPerCpuSecond: round(perCpuSecond, 1), percentOfCore: round((100 * cpu) / seconds, 1),
      rssMedianMiB: round(median(rssSamples) / MiB, 1), rssPeakMiB: round(max(rssSamples) / MiB, 1), meanBatchKiB: round(bytes / bodies.length / 1024, 1),
      agentProblems: agent.problems(),
    };
    return {
      name: 'otlp',
      figures,
      tables: [{
        title: `OTLP ingestion: protobuf batches of ${o.batchSize} span exceptions (${groups} groups, ${figures.meanBatchKiB} KiB a batch), ${o.concurrency} requests at a time, one agent`,
        header: ['exceptions', 'seconds', 'exceptions/s', 'agent CPU s', '% of a core', 'exceptions per CPU s', 'RSS median MiB', 'RSS peak MiB'],
        rows: [[sent, figures.seconds, figures.exceptionsPerSecond, figures.agentCpuSeconds, figures.percentOfCore, figures.exceptionsPerCpuSecond, figures.rssMedianMiB, figures.rssPeakMiB]],
      }],
      checks: [check('OTLP exceptions per second one agent ingests (batches of 512, protobuf)', perSecond, '>=', 20_000, '/s')],
    };
  } finally {
    await agent?.stop();
    await hub?.stop();
  }
}
