import type { BenchOptions } from './options.js';

/** What every benchmark gets from the runner. */
export interface BenchContext {
  readonly options: BenchOptions;
  /** A temp dir of this run (configs, data dirs, snapshots); removed at the end. */
  readonly dir: string;
  /** Where CPU profiles go when `--profile` is given. */
  readonly profileDir: string | undefined;
  /** Progress lines (stderr, so tables on stdout stay clean). */
  readonly log: (message: string) => void;
}

/** The token the benchmark's hubs accept and its agents and drivers send. */
export const BENCH_TOKEN = 'bench-token';
