import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from './harness/crowsnest.js';
import { formatTable } from './harness/table.js';

/** The parts of a V8 .cpuprofile (`node --cpu-prof`) this summary reads. */
interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self and total time per function of a CPU profile, as a table: where a process spends its CPU.
 * `node dist/bench/profile-summary.js <file.cpuprofile> [top]`; `--cpu-prof` files come from
 * `npm run bench -- --profile` (bench/results/profiles/).
 */
export function summarize(profile: Profile, top = 30): { rows: (string | number)[][]; totalMs: number } {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const root = repoRoot();
  const nameOf = (id: number): string => {
    const f = (byId.get(id) as Profile['nodes'][number]).callFrame;
    const where = f.url === '' ? '' : ` ${f.url.startsWith('file://') ? relative(root, new URL(f.url).pathname) : f.url}:${f.lineNumber + 1}`;
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  for (const [id, ms] of self) {
    selfBy.set(nameOf(id), (selfBy.get(nameOf(id)) ?? 0) + ms);
    // Total: once per distinct function on the stack of this sample's node.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = nameOf(at);
      if (seen.has(name)) continue;
      seen.add(name);
      totalBy.set(name, (totalBy.get(name) ?? 0) + ms);
    }
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfBy].filter(([n]) => n.startsWith('(idle)')).reduce((a, [, ms]) => a + ms, 0);
  const busy = totalMs - idle;
  const rows = [...selfBy]
    .filter(([n]) => !n.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => [name.slice(0, 110), Math.round(ms), Math.round((1000 * ms) / busy) / 10, Math.round(totalBy.get(name) ?? 0)]);
  return { rows, totalMs: busy };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(64);
  }
  const { rows, totalMs } = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 30));
  process.stdout.write(formatTable(`${file}: ${Math.round(totalMs)} ms of CPU on the main thread (idle excluded)`, ['function', 'self ms', 'self %', 'total ms'], rows) + '\n');
}
