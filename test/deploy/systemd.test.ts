import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../common/config/load.js';
import { BIN } from '../helpers/processes.js';
import { cleanEnv, runCommand } from '../helpers/run-cli.js';

/**
 * deploy/systemd: the units start the CLI with the config and environment file shipped next to them,
 * carry the hardening an operator expects, their configs pass `crowsnest check-config` with the
 * environment systemd gives them, and `systemd-analyze verify` and `security` accept them. Those two
 * need the systemd-analyze binary: where it is missing (some CI images), only they are skipped, with
 * a line on stderr saying so.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEMD = join(ROOT, 'deploy', 'systemd');
const UNITS = { 'crowsnest-hub.service': 'hub', 'crowsnest-agent.service': 'agent' } as const;
type UnitName = keyof typeof UNITS;

/** A unit file: section -> key -> every value assigned (in order; "" resets in systemd). */
type Unit = Record<string, Record<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = unit[header[1] as string] = {};
      continue;
    }
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m === null || section === undefined) throw new Error(`cannot read unit line "${line}"`);
    (section[m[1] as string] ??= []).push(m[2] as string);
  }
  return unit;
}

/** KEY=VALUE lines of an EnvironmentFile. */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m !== null) env[m[1] as string] = m[2] as string;
  }
  return env;
}

const units = Object.fromEntries(await Promise.all(Object.keys(UNITS).map(async (name) => [name, parseUnit(await readFile(join(SYSTEMD, name), 'utf8'))]))) as Record<UnitName, Unit>;
const service = (name: UnitName) => units[name]['Service'] as Record<string, string[]>;
const one = (name: UnitName, key: string) => service(name)[key]?.at(-1);

/** The shipped files a unit points at in /etc/crowsnest, and the environment it runs with. */
async function shipped(name: UnitName): Promise<{ mode: string; configFile: string; env: Record<string, string> }> {
  const exec = (one(name, 'ExecStart') as string).split(/\s+/);
  const config = exec[exec.indexOf('--config') + 1] as string;
  const envFile = (one(name, 'EnvironmentFile') as string).replace(/^-/, '');
  const fromFile = parseEnvFile(await readFile(join(SYSTEMD, `${envFile.split('/').pop()}.example`), 'utf8'));
  // An operator fills in the secrets; systemd sets STATE_DIRECTORY from StateDirectory=.
  const filled = Object.fromEntries(Object.entries(fromFile).map(([k, v]) => [k, v === '' ? `filled-${k}` : v]));
  const env: Record<string, string> = { ...filled, STATE_DIRECTORY: `/var/lib/${one(name, 'StateDirectory')}` };
  for (const e of service(name)['Environment'] ?? []) {
    const [k, v] = e.split('=') as [string, string];
    env[k] = v;
  }
  return { mode: exec[1] as string, configFile: join(SYSTEMD, config.split('/').pop() as string), env };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'crowsnest-systemd-'));
});
afterAll(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

/** Copies of the units whose ExecStart names this checkout's bin (verify needs an executable there). */
async function unitsForVerify(transform: (text: string) => string = (t) => t): Promise<string[]> {
  const out: string[] = [];
  for (const name of Object.keys(UNITS)) {
    const text = (await readFile(join(SYSTEMD, name), 'utf8')).replace(/^ExecStart=\S+/m, `ExecStart=${BIN}`);
    const file = join(tmp, name);
    await writeFile(file, transform(text));
    out.push(file);
  }
  return out;
}

/** systemd-analyze; a missing one fails (npm test installs Debian's `systemd` package, scripts/setup-system.mjs). */
async function systemdAnalyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return await runCommand('systemd-analyze', args, { cwd: tmp, env: cleanEnv() });
  } catch (err) {
    if (/ENOENT/.test((err as Error).message)) throw new Error('systemd-analyze is not installed: install the Debian package "systemd" (npm test does, through npm run setup:system)');
    throw err;
  }
}

describe('deploy/systemd units', () => {
  for (const name of Object.keys(UNITS) as UnitName[]) {
    describe(name, () => {
      it(`runs \`crowsnest ${UNITS[name]}\` with the config and environment file shipped next to it`, async () => {
        const { mode, configFile, env } = await shipped(name);
        expect(one(name, 'ExecStart')).toMatch(new RegExp(`^/usr/local/bin/crowsnest ${UNITS[name]} --config /etc/crowsnest/\\S+\\.yaml$`));
        expect(mode).toBe(UNITS[name]);
        const config = parseConfig(await readFile(configFile, 'utf8'), configFile, env);
        expect(config[UNITS[name]], `${configFile} has a ${UNITS[name]} section`).toBeDefined();
      });

      it('gives its config a pass from `crowsnest check-config` with the environment systemd gives it', async () => {
        const { configFile, env } = await shipped(name);
        const result = await runCommand(process.execPath, [BIN, 'check-config', configFile], { env: cleanEnv(env) });
        expect(result.code, result.stderr).toBe(0);
      });

      it('keeps the data in its StateDirectory', async () => {
        const { configFile, env } = await shipped(name);
        const config = parseConfig(await readFile(configFile, 'utf8'), configFile, env);
        expect(config.hub?.data_dir ?? config.agent?.state_dir).toBe(`/var/lib/${one(name, 'StateDirectory')}`);
      });

      it('is hardened: unprivileged, no capabilities, read-only system, private /tmp and /home hidden, filtered system calls and socket families', () => {
        const expected: Record<string, string> = {
          DynamicUser: 'yes',
          NoNewPrivileges: 'yes',
          CapabilityBoundingSet: '',
          AmbientCapabilities: '',
          ProtectSystem: 'strict',
          ProtectHome: 'yes',
          PrivateTmp: 'yes',
          PrivateDevices: 'yes',
          ProtectKernelTunables: 'yes',
          ProtectKernelModules: 'yes',
          ProtectControlGroups: 'yes',
          RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
          RestrictNamespaces: 'yes',
          RestrictSUIDSGID: 'yes',
          LockPersonality: 'yes',
          SystemCallArchitectures: 'native',
          SystemCallFilter: '@system-service',
        };
        for (const [k, v] of Object.entries(expected)) expect(one(name, k), k).toBe(v);
        expect(one(name, 'StateDirectory')).toMatch(/^crowsnest-/);
        // Node's JIT writes executable memory: MemoryDenyWriteExecute=yes would crash it.
        expect(one(name, 'MemoryDenyWriteExecute')).toBeUndefined();
      });

      it('stops with SIGTERM, gives the graceful stop time, restarts on failure but not on what a restart cannot fix', async () => {
        expect(one(name, 'KillSignal')).toBe('SIGTERM');
        expect(Number(/^(\d+)s?$/.exec(one(name, 'TimeoutStopSec') ?? '')?.[1])).toBeGreaterThanOrEqual(30);
        expect(one(name, 'Restart')).toBe('on-failure');
        // The CLI's exit codes for a usage error, a corrupt data file and an invalid config.
        const main = await readFile(join(ROOT, 'bin', 'main.ts'), 'utf8');
        const codes = ['usage', 'dataError', 'config'].map((k) => new RegExp(`\\b${k}: (\\d+)`).exec(main)?.[1]);
        expect(one(name, 'RestartPreventExitStatus')?.split(' ')).toEqual(codes);
        expect(one(name, 'EnvironmentFile')).toMatch(/^\/etc\/crowsnest\/\S+\.env$/);
      });
    });
  }

  it('pass `systemd-analyze verify` without a warning', async () => {
    const files = await unitsForVerify();
    const result = await systemdAnalyze(['verify', '--man=no', ...files]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('would fail `systemd-analyze verify` with a misspelt directive (the check above can fail)', async () => {
    const files = await unitsForVerify((t) => t.replace('ProtectHome=yes', 'ProtectHom=yes'));
    const result = await systemdAnalyze(['verify', '--man=no', ...files]);
    expect(result.stderr).toContain("Unknown key 'ProtectHom'");
  });

  it('have an exposure level of at most 2.0 in `systemd-analyze security`', async () => {
    const files = await unitsForVerify();
    for (const file of files) {
      const result = await systemdAnalyze(['security', '--offline=yes', '--threshold=20', file]);
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout + result.stderr)?.[1];
      expect(level, result.stdout + result.stderr).toBeDefined();
      expect(Number(level)).toBeLessThanOrEqual(2);
      expect(result.code).toBe(0);
    }
  });
});
