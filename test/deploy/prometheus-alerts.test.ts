import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';

/** Runs promtool; a missing promtool fails the test (CI installs Debian's `prometheus` package). */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.env['PROMTOOL'] ?? 'promtool', args, { cwd: ROOT });
    return stdout + stderr;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: install the Debian package "prometheus" (npm test does, through npm run setup:system) or set PROMTOOL');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', RULES)).toContain('SUCCESS');
  });

  it('pass their unit tests (promtool test rules)', async () => {
    expect(await promtool('test', 'rules', RULE_TESTS)).toContain('SUCCESS');
  });

  it('are the rule the README shows', async () => {
    const rules = parse(await readFile(`${ROOT}/${RULES}`, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const readme = await readFile(`${ROOT}/README.md`, 'utf8');
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) expect(readme).toContain(expr);
  });
});
