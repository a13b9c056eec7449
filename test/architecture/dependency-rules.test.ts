import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The architecture rules of .dependency-cruiser.cjs, checked by dependency-cruiser itself (the same
 * check `npm run lint` runs): over the project they hold, and over a small tree that breaks each
 * one on purpose (test/fixtures/architecture) they fail, so they can fail.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../.dependency-cruiser.cjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../node_modules/.bin/depcruise', import.meta.url));
const LAYERS = ['agent', 'hub', 'common', 'ui/src', 'bin', 'demo'];

interface Violation { rule: { name: string }; from: string; to: string }
interface Cruise { summary: { violations: Violation[]; totalCruised: number; totalDependenciesCruised: number } }

function cruise(cwd: string, dirs: string[]): Promise<Cruise> {
  return new Promise((resolve, reject) => {
    execFile(BIN, [...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      // depcruise exits non-zero when it finds violations; the JSON is on stdout either way.
      try {
        resolve(JSON.parse(stdout) as Cruise);
      } catch {
        reject(new Error(`depcruise failed: ${err?.message ?? ''}\n${stderr}`));
      }
    });
  });
}

describe('the dependency direction (dependency-cruiser)', () => {
  it('holds over the project, a non-trivial graph', async () => {
    const { summary } = await cruise(ROOT, LAYERS);
    expect(summary.totalCruised).toBeGreaterThan(150);
    expect(summary.totalDependenciesCruised).toBeGreaterThan(400);
    expect(summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('catches an agent importing the hub, common/ importing an owner, a cycle and the UI taking a value from common/', async () => {
    const { summary } = await cruise(fileURLToPath(new URL('../fixtures/architecture', import.meta.url)), ['agent', 'hub', 'common', 'ui/src']);
    const rules = new Set(summary.violations.map((v) => v.rule.name));
    expect([...rules].sort()).toEqual(['agent-not-to-hub', 'common-is-the-contract', 'no-circular', 'ui-takes-types-and-schemas-only']);
  });
});
