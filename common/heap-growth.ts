import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived the last full collection, in percent, for a
 * Crowsnest process (agent or hub). Both allocate little per input byte, so their full collections
 * follow only V8's own heap-growth heuristics, which let garbage reach up to about three times the
 * live heap (docs/performance.md: agent RSS 201 MiB at 2,000 targets, 176 MiB with 30%, at the same
 * CPU; a hub holding a million groups needs its heap's slack bounded the same way to stay within its
 * memory limit). An operator's own `node --heap-growing-percent=N` wins.
 */
export const HEAP_GROWING_PERCENT = 30;

/** The V8 flag to set, or undefined when the process was started with one. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Applies heapGrowthFlag to this process (it takes effect from the next collection); returns what was set. */
export function tightenHeapGrowth(execArgv: readonly string[] = process.execArgv): string | undefined {
  const flag = heapGrowthFlag(execArgv);
  if (flag !== undefined) setFlagsFromString(flag);
  return flag;
}

/**
 * The flag that keeps an agent's young generation at V8's initial semi-space (1 MiB): new space
 * never grows past it. An agent's garbage is short-lived (a parsed body lives for one scrape), and
 * V8 otherwise grows the young generation to 16 MiB per semi-space under its allocation rate and keeps
 * it (docs/performance.md, issue 19: agent RSS at 100 targets 113 -> 87 MiB, at 1,000 targets
 * 154 -> 108 MiB, at no measurable CPU cost). The growth factor is read at each growth, so setting it
 * after start-up works where `--max-semi-space-size` would have to be given to node. Not for the hub,
 * whose merges keep many objects alive across a scavenge, nor for an agent with an OTLP listener
 * (`--only otlp`: 20,000 instead of 40,000 exceptions/s, twice the CPU per exception). An operator's
 * own young-generation setting wins.
 */
export function youngGenerationFlag(execArgv: readonly string[], nodeOptions = ''): string | undefined {
  const own = /^--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|max[-_]young[-_]generation[-_]size)\b/;
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => own.test(a))) return undefined;
  return '--semi-space-growth-factor=1';
}

/** Applies youngGenerationFlag to this process (agent-only processes); returns what was set. */
export function keepYoungGenerationSmall(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string | undefined {
  const flag = youngGenerationFlag(execArgv, nodeOptions);
  if (flag !== undefined) setFlagsFromString(flag);
  return flag;
}

/** Undoes keepYoungGenerationSmall: V8's own growth factor, 2. */
export function letYoungGenerationGrow(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
