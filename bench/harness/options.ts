import { parseArgs } from 'node:util';
import { parseDuration } from '../../common/time.js';
import type { UiScale } from '../ui/scale-spec.js';

/** The benchmarks `npm run bench` knows, in the order they run. */
export const BENCHMARKS = ['codec', 'merge', 'idle', 'agent', 'api', 'startup', 'latency', 'otlp', 'ui', 'peers', 'scale'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export type ScaleName = 'small' | 'full';

/** Every knob of a run; `--scale` picks the defaults, flags override them. */
export interface BenchOptions {
  readonly scale: ScaleName;
  readonly only: readonly BenchmarkName[];
  /** Write CPU profiles of the agent and hub processes (bench/results/profiles/). */
  readonly profile: boolean;
  /** The whole run stops itself after this long. */
  readonly budgetMs: number;
  readonly agent: {
    /** Target counts, one agent run each. */
    readonly targets: readonly number[];
    /** The run that also measures the extra `phases` (unchanged bodies, churn). */
    readonly detailAt: number;
    /** Phases after the changing-bodies window in the `detailAt` run. */
    readonly phases: readonly ('unchanged' | 'churn')[];
    readonly services: number;
    readonly keys: number;
    readonly samplesPerKey: number;
    /** Occurrences each target records between two scrapes. */
    readonly changesPerScrape: number;
    readonly intervalMs: number;
    readonly warmupCycles: number;
    readonly measureCycles: number;
    readonly churnCycles: number;
  };
  /** Idle agent and hub: RSS sampled over `windowMs`, `settleMs` after the agent's link is up. */
  readonly idle: { readonly settleMs: number; readonly windowMs: number };
  readonly codec: { readonly deltaGroups: number; readonly syncGroups: number; readonly snapshotGroups: number; readonly reps: number };
  readonly merge: {
    readonly sources: number;
    readonly services: number;
    readonly keysPerService: number;
    readonly updatesPerMessage: number;
    readonly rounds: number;
    /** Seconds of the end-to-end window through a real hub. */
    readonly e2eSeconds: number;
  };
  readonly api: { readonly bigServiceGroups: number; readonly services: number; readonly groupsPerService: number; readonly requests: number };
  readonly startup: { readonly groups: number; readonly services: number };
  /** OTLP ingestion: protobuf trace batches of `batchSize` span exceptions, `concurrency` requests at a time. */
  readonly otlp: { readonly batches: number; readonly batchSize: number; readonly groups: number; readonly concurrency: number; readonly warmupBatches: number };
  /** The UI in Chromium against a hub loaded from a snapshot of this fleet (bench/ui/). */
  readonly ui: UiScale;
  readonly latency: {
    /** The agent's scrape interval (`refresh_interval`). */
    readonly intervalMs: number;
    /** Targets whose errors are bumped and timed; each runs its rounds one after the other, all at once. */
    readonly probes: number;
    readonly roundsPerProbe: number;
    /** Targets whose errors change at every scrape, so the federation links are as busy as with a real fleet. */
    readonly background: number;
    /** Agents streaming to the regional hub: the first scrapes the timed targets, all share the changing ones. */
    readonly agents: number;
    /** How often each hub's API is asked whether the new count arrived. */
    readonly pollMs: number;
  };
  /** An HA pair (hub.peers): resolves timed one at a time (`rounds`), then `actions` at once. */
  readonly peers: { readonly rounds: number; readonly actions: number };
  /**
   * The global hub at fleet size (`--only scale`): `sources` protocol-level agents sync `groups` over
   * `services` (the first `bigGroups` in one service), then stream `updatesPerSecond` for `windowSeconds`.
   */
  readonly hubScale: {
    readonly sources: number;
    readonly groups: number;
    readonly services: number;
    readonly bigGroups: number;
    readonly partSize: number;
    readonly sampleShare: number;
    readonly updatesPerSecond: number;
    readonly windowSeconds: number;
    /** How often each source sends a delta (agents flush every 200 ms to 1 s). */
    readonly tickMs: number;
  };
}

const SCALES: Record<ScaleName, Omit<BenchOptions, 'scale' | 'only' | 'profile'>> = {
  small: {
    budgetMs: 8 * 60_000,
    agent: { targets: [20, 50, 100], detailAt: 50, phases: ['unchanged', 'churn'], services: 4, keys: 50, samplesPerKey: 10, changesPerScrape: 5, intervalMs: 2_000, warmupCycles: 2, measureCycles: 2, churnCycles: 4 },
    idle: { settleMs: 10_000, windowMs: 5_000 },
    codec: { deltaGroups: 200, syncGroups: 1_000, snapshotGroups: 2_000, reps: 5 },
    merge: { sources: 4, services: 4, keysPerService: 500, updatesPerMessage: 500, rounds: 5, e2eSeconds: 3 },
    api: { bigServiceGroups: 5_000, services: 5, groupsPerService: 1_000, requests: 30 },
    startup: { groups: 50_000, services: 20 },
    otlp: { batches: 120, batchSize: 512, groups: 50, concurrency: 4, warmupBatches: 20 },
    ui: { groups: 100_000, services: 200, sources: 100, targets: 10_000, bigServiceGroups: 40_000 },
    latency: { intervalMs: 2_000, probes: 8, roundsPerProbe: 3, background: 24, agents: 4, pollMs: 25 },
    peers: { rounds: 50, actions: 2_000 },
    hubScale: { sources: 10, groups: 50_000, services: 20, bigGroups: 5_000, partSize: 2_000, sampleShare: 0.2, updatesPerSecond: 2_000, windowSeconds: 10, tickMs: 200 },
  },
  full: {
    budgetMs: 30 * 60_000,
    agent: { targets: [100, 200, 1_000, 2_000], detailAt: 1_000, phases: ['unchanged', 'churn'], services: 4, keys: 50, samplesPerKey: 10, changesPerScrape: 5, intervalMs: 10_000, warmupCycles: 2, measureCycles: 3, churnCycles: 6 },
    idle: { settleMs: 30_000, windowMs: 15_000 },
    codec: { deltaGroups: 1_000, syncGroups: 5_000, snapshotGroups: 20_000, reps: 7 },
    merge: { sources: 20, services: 20, keysPerService: 1_000, updatesPerMessage: 1_000, rounds: 10, e2eSeconds: 10 },
    api: { bigServiceGroups: 50_000, services: 50, groupsPerService: 1_000, requests: 200 },
    startup: { groups: 1_000_000, services: 200 },
    otlp: { batches: 420, batchSize: 512, groups: 200, concurrency: 4, warmupBatches: 20 },
    ui: { groups: 1_000_000, services: 200, sources: 100, targets: 10_000, bigServiceGroups: 40_000 },
    latency: { intervalMs: 10_000, probes: 20, roundsPerProbe: 3, background: 60, agents: 4, pollMs: 25 },
    peers: { rounds: 200, actions: 10_000 },
    hubScale: { sources: 100, groups: 1_000_000, services: 200, bigGroups: 37_000, partSize: 2_000, sampleShare: 0.2, updatesPerSecond: 10_000, windowSeconds: 60, tickMs: 200 },
  },
};

const int = (name: string, v: string, min = 1): number => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects an integer of at least ${min}, got "${v}"`);
  return n;
};

export const USAGE = `npm run bench -- [--scale small|full] [--only ${BENCHMARKS.join(',')}] [--profile]
       [--targets 100,200,1000,2000] [--keys 50] [--samples 10] [--changes 5] [--interval 10s]
       [--phases changing,unchanged,churn]
Environment: BENCH_SCALE=small|full (default full); BENCH_AGENT_NODE_ARGS: extra node options for
the agents under test (diagnosis, e.g. --heapsnapshot-signal=SIGUSR2); BENCH_HUB_NODE_ARGS the same for hubs,
BENCH_HUB_STDOUT=<dir> keeps each hub's stdout there (e.g. with --trace-gc).`;

/** Reads the command line (and BENCH_SCALE); throws with a message naming the bad flag. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      targets: { type: 'string' },
      keys: { type: 'string' },
      samples: { type: 'string' },
      changes: { type: 'string' },
      interval: { type: 'string' },
      phases: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const scale = (values.scale ?? env['BENCH_SCALE'] ?? 'full') as ScaleName;
  if (scale !== 'small' && scale !== 'full') throw new Error(`--scale expects small or full, got "${String(scale)}"`);
  const base = SCALES[scale];
  const only = values.only === undefined ? [...BENCHMARKS] : values.only.split(',').map((s) => s.trim());
  for (const name of only) if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`--only: unknown benchmark "${name}" (known: ${BENCHMARKS.join(', ')})`);
  const targets = values.targets === undefined ? base.agent.targets : values.targets.split(',').map((t) => int('targets', t));
  let intervalMs = base.agent.intervalMs;
  if (values.interval !== undefined) {
    const parsed = parseDuration(values.interval);
    if (parsed === undefined || parsed < 500) throw new Error(`--interval expects a duration of at least 500ms, e.g. 10s, got "${values.interval}"`);
    intervalMs = parsed;
  }
  const sorted = [...targets].sort((a, b) => a - b);
  const phases = values.phases === undefined ? base.agent.phases : values.phases.split(',').map((p) => p.trim()).filter((p) => p !== 'changing');
  for (const p of phases) if (p !== 'unchanged' && p !== 'churn') throw new Error(`--phases: unknown phase "${p}" (known: changing, unchanged, churn)`);
  const detailAt = sorted.includes(base.agent.detailAt) ? base.agent.detailAt : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
  return {
    ...base,
    scale,
    only: only as BenchmarkName[],
    profile: values.profile,
    agent: {
      ...base.agent,
      targets: sorted,
      detailAt,
      phases: phases as ('unchanged' | 'churn')[],
      intervalMs,
      ...(values.keys === undefined ? {} : { keys: int('keys', values.keys) }),
      ...(values.samples === undefined ? {} : { samplesPerKey: int('samples', values.samples) }),
      ...(values.changes === undefined ? {} : { changesPerScrape: int('changes', values.changes, 0) }),
    },
  };
}
