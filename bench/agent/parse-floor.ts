import { createHash } from 'node:crypto';
import { median } from '../harness/stats.js';

/** What the bare minimum costs for a set of bodies: the floor the agent is compared with. */
export interface ParseFloor {
  readonly bodies: number;
  readonly bytes: number;
  /** CPU seconds of `JSON.parse(body.toString('utf8'))` per byte (median of the repetitions). */
  readonly parseSecondsPerByte: number;
  /** The same per body, in ms. */
  readonly parseMsPerBody: number;
  /** CPU of a sha1 of the body (what an unchanged body should cost), ms per body. */
  readonly sha1MsPerBody: number;
}

/** Process CPU (all threads, as /proc counts the agent's) of running `fn` once, in seconds. */
function cpuOf(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/**
 * Measures, in this process, the CPU of a bare `JSON.parse` of `bodies` (including the UTF-8 decode
 * any JavaScript consumer needs, and the garbage collection of the result, as the agent pays both)
 * and of a sha1 of them. One warm-up pass, then the median of `reps` passes.
 */
export function measureParseFloor(bodies: readonly Buffer[], reps = 5): ParseFloor {
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  let sink = 0;
  const parseAll = () => {
    for (const b of bodies) sink += (JSON.parse(b.toString('utf8')) as { aggregated_errors: unknown[] }).aggregated_errors.length;
  };
  const hashAll = () => {
    for (const b of bodies) sink += createHash('sha1').update(b).digest('base64').length;
  };
  parseAll();
  hashAll();
  const parse: number[] = [];
  const hash: number[] = [];
  for (let i = 0; i < reps; i++) {
    parse.push(cpuOf(parseAll));
    hash.push(cpuOf(hashAll));
  }
  if (sink < 0) throw new Error('unreachable');
  const n = Math.max(1, bodies.length);
  return {
    bodies: bodies.length,
    bytes,
    parseSecondsPerByte: median(parse) / Math.max(1, bytes),
    parseMsPerBody: (median(parse) * 1000) / n,
    sha1MsPerBody: (median(hash) * 1000) / n,
  };
}
