import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cell, formatTable, markdownTable } from './table.js';
import { round } from './stats.js';

/** One table a benchmark prints (and that goes into the Markdown summary). */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** A performance target of DESIGN section 9 checked against a measured figure. */
export interface TargetCheck {
  readonly target: string;
  readonly value: number;
  readonly comparison: '<=' | '<' | '>=';
  readonly limit: number;
  readonly unit: string;
  readonly holds: boolean;
}

/** What one benchmark hands back: its tables, its raw figures (JSON), and its target checks. */
export interface BenchResult {
  readonly name: string;
  readonly tables: Table[];
  readonly figures: Record<string, unknown>;
  readonly checks: TargetCheck[];
}

export function check(target: string, value: number, comparison: TargetCheck['comparison'], limit: number, unit = ''): TargetCheck {
  const holds = comparison === '<=' ? value <= limit : comparison === '<' ? value < limit : value >= limit;
  return { target, value: round(value, 4), comparison, limit, unit, holds };
}

export function printTable(t: Table): void {
  process.stdout.write(formatTable(t.title, t.header, t.rows) + '\n');
}

/** The machine a run came from. */
export function machine(): Record<string, string | number> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux: os.cpus() is enough
  }
  return { cores: cpus().length, cpu: model, node: process.version, platform: `${process.platform} ${process.arch}` };
}

export const checksTable = (checks: readonly TargetCheck[]): Table => ({
  title: 'Performance targets (DESIGN section 9)',
  header: ['target', 'measured', 'limit', 'holds'],
  rows: checks.map((c) => [c.target, `${c.value}${c.unit}`, `${c.comparison} ${c.limit}${c.unit}`, c.holds ? 'yes' : 'NO']),
});

/** Writes `<dir>/<stamp>.json`, `<dir>/latest.json` and `<dir>/latest.md`; returns the JSON path. */
export async function writeResults(dir: string, run: Record<string, unknown>, results: readonly BenchResult[], checks: readonly TargetCheck[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify({ ...run, checks, benchmarks: Object.fromEntries(results.map((r) => [r.name, { figures: r.figures, tables: r.tables }])) }, null, 2);
  const file = join(dir, `${stamp}.json`);
  await writeFile(file, json);
  await writeFile(join(dir, 'latest.json'), json);
  const md = [
    `# Benchmark run ${String(run['startedAt'])}`,
    '',
    `Command: \`${String(run['command'])}\``,
    '',
    `Machine: ${Object.entries(run['machine'] as Record<string, unknown>).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
    '',
    ...[checksTable(checks), ...results.flatMap((r) => r.tables)].flatMap((t) => [`## ${t.title}`, '', markdownTable(t.header, t.rows), '']),
  ].join('\n');
  await writeFile(join(dir, 'latest.md'), md);
  return file;
}
