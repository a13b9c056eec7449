#!/usr/bin/env node
// Installs the Debian packages the test suites start (scripts/system-packages.mjs) when they are
// missing, before any test runs: as root with apt-get, otherwise with passwordless sudo; where
// neither is possible it stops at once with the command to run (exit 69).
// Run by `npm test` and by .ci/run. `--dry-run` prints what it would do and changes nothing.
// Nothing is fetched from anywhere but the machine's package manager.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { SYSTEM_PACKAGES, missingPackages, planSetup } from './system-packages.mjs';

const EX_UNAVAILABLE = 69;
const dryRun = process.argv.includes('--dry-run');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, command)));
}

const probe = { file: executable, command: onPath, env: process.env };

function passwordlessSudo() {
  if (!onPath('sudo')) return false;
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

const missing = missingPackages(SYSTEM_PACKAGES, probe);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const plan = planSetup({ missing, root, sudo: !root && missing.length > 0 && passwordlessSudo(), aptGet: onPath('apt-get') });

if (plan.action === 'none') {
  if (dryRun) process.stdout.write('setup: every system package the tests need is installed\n');
  process.exit(0);
}
if (plan.action === 'stop') {
  process.stderr.write(`${plan.message}\n`);
  process.exit(EX_UNAVAILABLE);
}
process.stderr.write(`setup: installing ${missing.join(', ')} for the tests:\n`);
for (const argv of plan.commands) {
  process.stderr.write(`  ${argv.join(' ')}\n`);
  if (dryRun) continue;
  const [cmd, ...args] = argv;
  const run = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.status !== 0) {
    process.stderr.write(`setup: \`${argv.join(' ')}\` failed (exit ${run.status ?? run.signal}); install ${missing.join(', ')} by hand and run npm test again\n`);
    process.exit(EX_UNAVAILABLE);
  }
}
if (dryRun) process.exit(0);
const still = missingPackages(SYSTEM_PACKAGES, probe);
if (still.length > 0) {
  process.stderr.write(`setup: apt-get installed ${missing.join(', ')} but ${still.join(', ')} is still not found; check the package's files\n`);
  process.exit(EX_UNAVAILABLE);
}
process.stderr.write(`setup: installed ${missing.join(', ')}\n`);
