import { randomUUID } from 'node:crypto';
import { OriginTombstones } from '../../agent/aggregate/origin-tombstones.js';
import { benchKinds } from '../fleet/bench-kinds.js';

/**
 * What an origin tombstone holds: heap per tombstone and per key of `count` forgotten origins of
 * `keys` keys each (ids as the scrape loop makes them: url#target_uuid; keys shared with the groups,
 * as in the agent). Run with `node --expose-gc dist/bench/agent/tombstone-memory.js [count] [keys]`
 * (collections are forced before both readings). Prints one line; no processes, no network.
 */
function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    process.stderr.write('run with node --expose-gc\n');
    process.exit(64);
  }
  const count = Number(process.argv[2] ?? 10_000);
  const keyCount = Number(process.argv[3] ?? 50);
  const keys = benchKinds(keyCount).map((k) => k.key);
  const ids = Array.from({ length: count }, (_, i) => `http://10.0.${i >> 8}.${i & 255}:8080/errors#${randomUUID()}`);
  const lasts = ids.map((_, i) => new Map(keys.map((k, j) => [k, 1_000 + i + j])));
  const used = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = used();
  const tombstones = new OriginTombstones({ maxTombstones: count, maxKeys: count * keyCount, ttlMs: Number.MAX_SAFE_INTEGER });
  ids.forEach((id, i) => tombstones.keep('svc', id, lasts[i]!, i));
  const bytes = used() - before;
  // The maps stand for the origins' own state, which the agent drops when it forgets them.
  lasts.length = 0;
  process.stdout.write(`${tombstones.stats().tombstones} origin tombstones of ${keyCount} keys: ${Math.round(bytes / count)} bytes each, ${round1(bytes / (count * keyCount))} bytes a key\n`);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

main();
