import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'crowsnest');

/** One JSON log line of a crowsnest process. */
export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * A real `crowsnest` child process (built CLI), its parsed JSON log lines and helpers to wait on
 * them. Killed in `stop()`; tests stop every process they start (see `Processes`).
 */
export class CrowsnestProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
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
        for (const w of [...this.waiters]) {
          if (w.match(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the first log line (past or future) that matches; rejects after `timeoutMs`. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${this.stderr}; last lines: ${JSON.stringify(this.lines.slice(-5))}`)), timeoutMs);
      this.waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  /** The port from a "... listening"/"agent started" line's `listen` field. */
  async port(msg: 'hub listening' | 'agent started'): Promise<number> {
    const line = await this.waitForLog((l) => l.msg === msg);
    return Number(String(line['listen']).split(':').pop());
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    this.kill('SIGTERM');
    return this.exited;
  }
}

/** Starts crowsnest processes from config objects written to a temp dir, and cleans all of them up. */
export class Processes {
  private readonly all: CrowsnestProcess[] = [];
  private dir: string | undefined;

  async tempDir(): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'crowsnest-it-'));
    return this.dir;
  }

  /** Writes `config` as YAML and returns its path. */
  async writeConfig(name: string, config: unknown): Promise<string> {
    const file = join(await this.tempDir(), `${name}.yaml`);
    await writeFile(file, stringify(config));
    return file;
  }

  spawn(args: string[], env: NodeJS.ProcessEnv = {}): CrowsnestProcess {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: this.dir ?? ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new CrowsnestProcess(child);
    this.all.push(p);
    return p;
  }

  async start(mode: 'start' | 'hub' | 'agent', name: string, config: unknown, env: NodeJS.ProcessEnv = {}): Promise<CrowsnestProcess> {
    return this.spawn([mode, '--config', await this.writeConfig(name, config)], env);
  }

  async cleanup(): Promise<void> {
    for (const p of this.all) p.kill('SIGKILL');
    await Promise.all(this.all.map((p) => p.exited));
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
