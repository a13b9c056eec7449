import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Every process and temp dir the benchmark starts, so that all of them go away however the run ends:
 * normally, on an error, on SIGINT/SIGTERM, or when the run's deadline passes. One per harness run.
 */
export class Children {
  private readonly live = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();
  private installed = false;

  track<C extends ChildProcess>(child: C): C {
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    return child;
  }

  trackDir(dir: string): string {
    this.dirs.add(dir);
    return dir;
  }

  get count(): number {
    return this.live.size;
  }

  /** Kills every child still running (synchronous, so it also works in an exit handler). */
  killAll(): void {
    for (const child of this.live) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  removeDirs(): void {
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  /** SIGTERM (a graceful stop writes CPU profiles), SIGKILL after `graceMs`; resolves when it exited. */
  async stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Kills children and removes temp dirs on exit, SIGINT, SIGTERM and uncaught errors; the run
   * also ends by itself after `deadlineMs`.
   */
  install(deadlineMs: number, log: (message: string) => void): void {
    if (this.installed) return;
    this.installed = true;
    const cleanup = () => {
      this.killAll();
      this.removeDirs();
    };
    process.on('exit', cleanup);
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.on(signal, () => {
        log(`\n${signal}: stopping ${this.live.size} child process(es) and exiting`);
        cleanup();
        process.exit(code);
      });
    }
    process.on('uncaughtException', (err) => {
      log(`benchmark failed: ${err.stack ?? err.message}`);
      cleanup();
      process.exit(1);
    });
    setTimeout(() => {
      log(`benchmark exceeded its time budget of ${Math.round(deadlineMs / 1000)} s; stopping`);
      cleanup();
      process.exit(2);
    }, deadlineMs).unref();
  }
}

/** The harness's registry. */
export const children = new Children();
