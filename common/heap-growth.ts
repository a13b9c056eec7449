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
