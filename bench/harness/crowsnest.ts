import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { children } from './children.js';

/** The repository root: the nearest directory above this file holding `bin/crowsnest` (works from bench/ and dist/bench/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'bin', 'crowsnest')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (bin/crowsnest)');
    dir = up;
  }
}

type LogLine = Record<string, unknown> & { msg?: string };

/**
 * A real `crowsnest` process (the built CLI) started by the benchmark, with its pid (for /proc CPU and
 * RSS), its port and its last log lines. Registered with the harness's `children`, so it is killed
 * however the run ends.
 */
export class CrowsnestProcess {
  private readonly lines: LogLine[] = [];
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess, readonly name: string) {
    let buffer = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text };
        }
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        for (const w of [...this.waiters]) {
          if (w.match(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The first log line (past or future) that matches; rejects after `timeoutMs` or when the process exits. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`${this.name}: ${why}; stderr: ${this.stderr.slice(-1000)}; last log lines: ${JSON.stringify(this.lines.slice(-3))}`));
      const timer = setTimeout(() => fail(`no expected log line within ${timeoutMs} ms`), timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        fail(`exited with code ${code}`);
      });
      this.waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  /** The port from the "hub listening" / "agent started" log line. */
  async port(msg: 'hub listening' | 'agent started', timeoutMs: number): Promise<number> {
    const line = await this.waitForLog((l) => l.msg === msg, timeoutMs);
    return Number(String(line['listen']).split(':').pop());
  }

  /** Log lines at warn level or above, for the report (a benchmark that logs errors is suspect). */
  problems(): string[] {
    return this.lines.filter((l) => typeof l['level'] === 'number' && (l['level'] as number) >= 40).map((l) => String(l.msg));
  }

  /** Graceful stop (SIGTERM; profiles are written on exit), then SIGKILL after `graceMs`. */
  stop(graceMs = 15_000): Promise<void> {
    return children.stop(this.child, graceMs);
  }
}

export interface StartOptions {
  /** Where the config file is written. */
  readonly dir: string;
  readonly name: string;
  readonly config: unknown;
  /** Extra node options, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  readonly nodeArgs?: readonly string[];
}

/** Writes `config` as YAML and starts `crowsnest <mode> --config <file>` as a child process. */
export async function startCrowsnest(mode: 'hub' | 'agent', options: StartOptions): Promise<CrowsnestProcess> {
  const root = repoRoot();
  const file = join(options.dir, `${options.name}.yaml`);
  await writeFile(file, stringify(options.config));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(root, 'bin', 'crowsnest'), mode, '--config', file], {
    cwd: options.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.track(child);
  return new CrowsnestProcess(child, options.name);
}

/** The node options that make a process write a CPU profile into `dir` when it exits (--profile). */
export function profileArgs(dir: string | undefined, name: string): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}
