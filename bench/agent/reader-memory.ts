import { DEFAULT_LIMITS } from '../../common/limits.js';
import { PayloadReader } from '../../agent/scrape/payload-reader.js';
import { benchKinds } from '../fleet/bench-kinds.js';
import { BenchTarget } from '../fleet/bench-target.js';
import { seeded } from '../../demo/random.js';

/**
 * What a target's payload reader holds between scrapes: heap plus external memory kept by `readers`
 * PayloadReaders after each read and committed one fleet body (50 keys x 10 samples, as the agent
 * benchmark's fleet serves), per reader. Run with `node --expose-gc dist/bench/agent/reader-memory.js [readers]`
 * (collections are forced before both readings). Prints one line; no processes, no network.
 */
function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    process.stderr.write('run with node --expose-gc\n');
    process.exit(64);
  }
  const readers = Number(process.argv[2] ?? 1000);
  const kinds = benchKinds(50);
  const random = seeded(1);
  const bodies = Array.from({ length: readers }, () => new BenchTarget({ kinds, random, samplesPerKey: 10, now: () => 1_700_000_000_000 }).bytes());
  const keys = new Map<string, string>();
  const intern = (k: string) => keys.get(k) ?? (keys.set(k, k), k);
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const before = used();
  const kept: PayloadReader[] = [];
  for (const body of bodies) {
    const reader = new PayloadReader(intern);
    reader.read(body, DEFAULT_LIMITS);
    reader.commit();
    kept.push(reader);
  }
  const perReader = (used() - before) / kept.length;
  process.stdout.write(`${kept.length} payload readers, one committed body each: ${Math.round(perReader)} bytes of heap + external memory per reader\n`);
}

main();
