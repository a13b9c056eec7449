import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SYSTEM_PACKAGES, installCommands, missingPackages, planSetup, type Probe } from '../../scripts/system-packages.mjs';

/** A machine with only the given files and commands. */
function machine(files: string[], commands: string[], env: Record<string, string> = {}): Probe {
  return { file: (p) => files.includes(p), command: (c) => commands.includes(c), env };
}

describe('missingPackages', () => {
  it('names every package on a machine with only Node', () => {
    expect(missingPackages(SYSTEM_PACKAGES, machine([], []))).toEqual(['chromium', 'prometheus', 'prometheus-alertmanager', 'systemd']);
  });

  it('names none where every file and command is there', () => {
    const all = machine(['/usr/bin/chromium'], ['promtool', 'prometheus-alertmanager', 'systemd-analyze']);
    expect(missingPackages(SYSTEM_PACKAGES, all)).toEqual([]);
  });

  it('names only what is absent', () => {
    expect(missingPackages(SYSTEM_PACKAGES, machine(['/usr/bin/chromium'], ['systemd-analyze']))).toEqual(['prometheus', 'prometheus-alertmanager']);
  });

  it('takes an override the tests honour in place of the package, when it names an existing file', () => {
    const probe = machine(['/opt/chrome/chrome'], ['promtool', 'prometheus-alertmanager', 'systemd-analyze'], { CROWSNEST_CHROMIUM: '/opt/chrome/chrome' });
    expect(missingPackages(SYSTEM_PACKAGES, probe)).toEqual([]);
  });

  it('does not take an override that names nothing, even where the package is installed', () => {
    const probe = machine(['/usr/bin/chromium'], ['promtool', 'prometheus-alertmanager', 'systemd-analyze'], { CROWSNEST_CHROMIUM: '/nowhere' });
    expect(missingPackages(SYSTEM_PACKAGES, probe)).toEqual(['chromium']);
  });
});

describe('planSetup', () => {
  it('does nothing when nothing is missing, whoever runs it', () => {
    expect(planSetup({ missing: [], root: false, sudo: false, aptGet: false })).toEqual({ action: 'none' });
  });

  it('installs with apt-get as root, non-interactively and without recommends', () => {
    expect(planSetup({ missing: ['chromium', 'systemd'], root: true, sudo: false, aptGet: true })).toEqual({
      action: 'install',
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium', 'systemd'],
      ],
    });
  });

  it('installs through sudo -n for a user with passwordless sudo', () => {
    const plan = planSetup({ missing: ['prometheus'], root: false, sudo: true, aptGet: true });
    expect(plan).toEqual({ action: 'install', commands: installCommands(['prometheus'], { root: false }) });
    expect(installCommands(['prometheus'], { root: false }).every((argv) => argv[0] === 'sudo' && argv[1] === '-n')).toBe(true);
  });

  it('stops a user without root or sudo with one line naming the packages and the command to run', () => {
    const plan = planSetup({ missing: ['chromium', 'prometheus'], root: false, sudo: false, aptGet: true });
    expect(plan.action).toBe('stop');
    const message = plan.action === 'stop' ? plan.message : '';
    expect(message).not.toContain('\n');
    expect(message).toContain('chromium, prometheus');
    expect(message).toContain('sudo apt-get install -y --no-install-recommends chromium prometheus');
    expect(message).toContain('npm run test:unit');
  });

  it('stops without apt-get, even as root, naming the overrides it would take instead', () => {
    const plan = planSetup({ missing: ['chromium'], root: true, sudo: false, aptGet: false });
    expect(plan.action).toBe('stop');
    expect(plan.action === 'stop' && plan.message).toMatch(/apt-get is not available.*CROWSNEST_CHROMIUM/);
  });
});

describe('the one list of packages', () => {
  it('is what .ci/run installs, through the same setup', async () => {
    const ci = await readFile(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toContain('npm run setup:system');
    for (const p of SYSTEM_PACKAGES) expect(ci, `.ci/run names ${p.name} itself`).not.toMatch(new RegExp(`\\b${p.name}\\b.*install|install.*\\b${p.name}\\b`));
  });

  it('runs first in npm test', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test']?.startsWith('npm run setup:system && ')).toBe(true);
    expect(pkg.scripts['setup:system']).toBe('node scripts/setup-system.mjs');
  });
});
