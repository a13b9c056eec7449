import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentBench } from './agent/agent-bench.js';
import { codecBench } from './codec.js';
import { idleBench } from './agent/idle-bench.js';
import { latencyBench } from './e2e/latency-bench.js';
import { apiBench } from './hub/api-bench.js';
import { mergeBench } from './hub/merge-bench.js';
import { otlpBench } from './agent/otlp-bench.js';
import { peersBench } from './hub/peers-bench.js';
import { scaleBench } from './hub/scale-bench.js';
import { startupBench } from './hub/startup-bench.js';
import { uiBench } from './ui/ui-bench.js';
import { children } from './harness/children.js';
import type { BenchContext } from './harness/context.js';
import { repoRoot } from './harness/crowsnest.js';
import { closeHttp } from './harness/http.js';
import { type BenchmarkName, parseOptions } from './harness/options.js';
import { type BenchResult, checksTable, machine, printTable, type TargetCheck, writeResults } from './harness/report.js';

const BENCHES: Record<BenchmarkName, (ctx: BenchContext) => Promise<BenchResult>> = {
  codec: codecBench,
  merge: mergeBench,
  idle: idleBench,
  agent: agentBench,
  api: apiBench,
  startup: startupBench,
  latency: latencyBench,
  otlp: otlpBench,
  ui: uiBench,
  peers: peersBench,
  scale: scaleBench,
};

/**
 * `npm run bench`: every performance target of DESIGN section 9, measured in one run against real
 * processes on 127.0.0.1, printed as tables and written to bench/results/. Bounded in time (the
 * scale's budget), and every child process is killed however the run ends.
 */
async function main(): Promise<number> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    log((err as Error).message);
    return 64;
  }
  children.install(options.budgetMs, log);
  const started = Date.now();
  const dir = children.trackDir(await mkdtemp(join(tmpdir(), 'crowsnest-bench-')));
  const resultsDir = join(repoRoot(), 'bench', 'results');
  const profileDir = options.profile ? join(resultsDir, 'profiles') : undefined;
  const ctx: BenchContext = { options, dir, profileDir, log: (m) => log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`) };
  ctx.log(`scale ${options.scale}: ${options.only.join(', ')} (budget ${options.budgetMs / 60_000} min)`);
  const results: BenchResult[] = [];
  const checks: TargetCheck[] = [];
  for (const name of options.only) {
    const result = await BENCHES[name](ctx);
    for (const t of result.tables) printTable(t);
    results.push(result);
    checks.push(...result.checks);
  }
  printTable(checksTable(checks));
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const file = await writeResults(resultsDir, { command, scale: options.scale, startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, machine: machine(), options }, results, checks);
  ctx.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${file}`);
  await closeHttp();
  children.killAll();
  children.removeDirs();
  return checks.every((c) => c.holds) ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
    children.killAll();
    children.removeDirs();
    process.exit(1);
  },
);
