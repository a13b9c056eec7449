import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { getJson, pollUntil } from '../helpers/poll.js';
import { CrowsnestProcess } from '../helpers/processes.js';
import { devOnlyDependencies } from '../helpers/dev-only.js';
import { cleanEnv, mustRun, runCommand } from '../helpers/run-cli.js';

/**
 * The npm package as a user gets it: `npm pack`, then `npm install --omit=dev <tarball>` into an empty
 * directory outside the repository, then the installed `crowsnest` bin. The install goes through the
 * npm registry for the runtime dependencies (with --prefer-offline, so CI's `npm ci` cache serves what
 * it can): only a real install proves that `dependencies` alone are enough; copying the project's
 * node_modules would hide a missing one. `npm pack --ignore-scripts` packs the build that `npm test`
 * made before vitest started (rebuilding here would rewrite dist/ under the other tests' feet).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface PackedFile { readonly path: string }
interface Packed { readonly filename: string; readonly files: readonly PackedFile[] }

const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Bare module specifiers imported by compiled ESM text (static, re-exports and dynamic imports). */
function importedSpecifiers(source: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]) as string);
  return out;
}

/** "@scope/name/sub" -> "@scope/name", "name/sub" -> "name". */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

describe('the npm package', () => {
  let dir: string;
  let packed: Packed;
  let installDir: string;
  let bin: string;
  const children: CrowsnestProcess[] = [];

  beforeAll(async () => {
    for (const built of ['dist/bin/main.js', 'ui/dist/index.html']) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    }
    dir = await mkdtemp(join(tmpdir(), 'crowsnest-pack-'));
    const out = await mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env: cleanEnv() });
    packed = (JSON.parse(out.stdout) as Packed[])[0] as Packed;
    installDir = join(dir, 'install');
    await mkdir(installDir);
    await writeFile(join(installDir, 'package.json'), JSON.stringify({ name: 'install-check', private: true }));
    await mustRun('npm', ['install', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename)], {
      cwd: installDir,
      env: cleanEnv(),
      timeoutMs: 300_000,
    });
    bin = join(installDir, 'node_modules', '.bin', 'crowsnest');
  }, 360_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('holds the CLI, the compiled code, the UI, the changelog and the demo config, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of ['package.json', 'bin/crowsnest', 'dist/bin/main.js', 'dist/demo/fleet.js', 'ui/dist/index.html', 'README.md', 'CHANGELOG.md', 'config.dev.yaml']) {
      expect(paths, needed).toContain(needed);
    }
    expect(paths.some((p) => /^ui\/dist\/app-[^/]+\.js$/.test(p)), 'the UI bundle').toBe(true);
    const stray = paths.filter((p) => p.endsWith('.ts') || /^(test|bench|dist\/test|dist\/bench|ui\/src|deploy|node_modules|data)\//.test(p));
    expect(stray).toEqual([]);
  });

  it('imports at run time nothing but its dependencies and Node built-ins', async () => {
    const paths = new Set(packed.files.map((f) => f.path));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    let scanned = 0;
    for (const path of paths) {
      if (!path.endsWith('.js') || !path.startsWith('dist/')) continue;
      scanned++;
      for (const spec of importedSpecifiers(await readFile(join(ROOT, path), 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = join(path, '..', spec);
          if (!paths.has(target)) problems.push(`${path}: imports ${spec}, which is not in the package`);
        } else if (spec.startsWith('node:') || builtins.has(spec)) {
          continue;
        } else if (!(packageOf(spec) in pkg.dependencies)) {
          problems.push(`${path}: imports ${spec}, which is not a runtime dependency${packageOf(spec) in pkg.devDependencies ? ' (it is a devDependency)' : ''}`);
        }
      }
    }
    expect(scanned).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('installs without any dev dependency', async () => {
    const installed = new Set<string>();
    const modules = join(installDir, 'node_modules');
    for (const name of await readdir(modules)) {
      if (name.startsWith('@')) for (const sub of await readdir(join(modules, name))) installed.add(`${name}/${sub}`);
      else installed.add(name);
    }
    expect(installed.has('crowsnest')).toBe(true);
    for (const dep of Object.keys(pkg.dependencies)) expect(installed.has(dep), dep).toBe(true);
    expect(devOnlyDependencies(ROOT, pkg.devDependencies).filter((d) => installed.has(d))).toEqual([]);
  });

  it('prints its version with `crowsnest --version`', async () => {
    const { stdout } = await mustRun(bin, ['--version'], { cwd: installDir, env: cleanEnv() });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('accepts the shipped config.dev.yaml with `crowsnest check-config`, and names the YAML path of a broken copy', async () => {
    const shipped = join(installDir, 'node_modules', 'crowsnest', 'config.dev.yaml');
    const ok = await mustRun(bin, ['check-config', shipped], { cwd: installDir, env: cleanEnv() });
    expect(ok.stdout).toContain('OK');
    const broken = parse(await readFile(shipped, 'utf8')) as { hub: Record<string, unknown> };
    broken.hub['snapshot_interval'] = 'often';
    await writeFile(join(dir, 'broken.yaml'), stringify(broken));
    const bad = await runCommand(bin, ['check-config', join(dir, 'broken.yaml')], { cwd: installDir, env: cleanEnv() });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('hub.snapshot_interval');
  });

  it('runs hub, agent and demo targets from the shipped config (ports 0): health, UI, demo errors, exit 0 on SIGTERM', async () => {
    const config = parse(await readFile(join(installDir, 'node_modules', 'crowsnest', 'config.dev.yaml'), 'utf8')) as {
      hub: Record<string, unknown>;
      agent: Record<string, unknown>;
      demo: { services: string[] };
    };
    config.hub['listen'] = '127.0.0.1:0';
    config.hub['data_dir'] = join(dir, 'data', 'hub');
    config.agent['listen'] = '127.0.0.1:0';
    config.agent['state_dir'] = join(dir, 'data', 'agent');
    config.agent['hubs'] = []; // the in-process hub; its port is not known before it starts
    const file = join(dir, 'dev.yaml');
    await writeFile(file, stringify(config));
    const child = new CrowsnestProcess(spawn(bin, ['start', '--config', file], { cwd: installDir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    children.push(child);
    const base = `http://127.0.0.1:${await child.port('hub listening')}`;
    const health = await fetch(`${base}/-/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('OK');
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<script[^>]+src="[^"]*app-[^"]+\.js"/);
    const services = await pollUntil(() => getJson<string[]>(`${base}/services/`), (s) => s.length === config.demo.services.length, 30_000);
    expect(services).toEqual([...config.demo.services].sort());
    expect(await child.stop()).toBe(0);
  });
});
