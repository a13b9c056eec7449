import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { children } from '../harness/children.js';
import { type BenchContext, BENCH_TOKEN } from '../harness/context.js';
import { type CrowsnestProcess, profileArgs, repoRoot, startCrowsnest } from '../harness/crowsnest.js';
import { getText, waitFor } from '../harness/http.js';
import { cpuSeconds } from '../harness/proc-stat.js';
import type { WriteSnapshotAnswer, WriteSnapshotRequest } from './write-snapshot.js';

/** Runs the snapshot writer (from the build in dist/) in a child process; resolves with its figures. */
export async function writeSnapshot(request: WriteSnapshotRequest, timeoutMs: number): Promise<WriteSnapshotAnswer> {
  const child = children.track(
    spawn(process.execPath, ['--max-old-space-size=8192', join(repoRoot(), 'dist', 'bench', 'hub', 'write-snapshot.js'), JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`writing the snapshot failed (exit ${code}): ${err}`);
  return JSON.parse(out.trim()) as WriteSnapshotAnswer;
}

/** A real hub process started on a data_dir, with its port. */
export interface RunningHub {
  readonly proc: CrowsnestProcess;
  readonly port: number;
  /** ms from spawning the process to the first 200 of /-/ready. */
  readonly readyMs: number;
}

/** Starts a hub on `dataDir` and times it until `/-/ready` answers 200. */
export async function startHubOn(ctx: BenchContext, name: string, dataDir: string, timeoutMs: number, extra: Record<string, unknown> = {}): Promise<RunningHub> {
  const started = performance.now();
  const proc = await startCrowsnest('hub', {
    dir: ctx.dir, name, nodeArgs: [...profileArgs(ctx.profileDir, name), ...(process.env['BENCH_HUB_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [])],
    config: { hub: { listen: '127.0.0.1:0', data_dir: dataDir, snapshot_interval: '1h', agent_tokens: [BENCH_TOKEN], ...extra }, log: { level: 'info' } },
  });
  // Diagnosis: BENCH_HUB_STDOUT=<dir> keeps each hub's whole stdout (e.g. with BENCH_HUB_NODE_ARGS=--trace-gc).
  const keep = process.env['BENCH_HUB_STDOUT'];
  if (keep !== undefined && keep !== '') proc.child.stdout?.pipe(createWriteStream(join(keep, `${name}-${Date.now()}.log`)));
  const port = await proc.port('hub listening', timeoutMs);
  await waitFor('the hub to be ready', async () => {
    try {
      await getText(`http://127.0.0.1:${port}/-/ready`, 2_000);
      return true;
    } catch {
      return false;
    }
  }, timeoutMs, 10);
  return { proc, port, readyMs: performance.now() - started };
}

/** Waits until a process uses less than `share` of a core over a second (background work done), at most `timeoutMs`. */
export async function waitUntilIdle(pid: number, timeoutMs: number, share = 0.05): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 1_000));
    if (cpuSeconds(pid) - before < share) return;
  }
}
