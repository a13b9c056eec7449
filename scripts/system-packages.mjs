// The Debian packages the test suites start, and the decision of what to do when some are missing.
// The one list of them: `npm test` (scripts/setup-system.mjs) and .ci/run both read it.
// Pure functions only: what is installed is passed in, so the decision is unit-tested
// (test/scripts/system-packages.test.ts).

/**
 * Each package, what a test needs from it and how to tell it is there: an executable at a path
 * (`file`) or a command on PATH (`command`). An environment variable the tests honour as an
 * override (`env`) counts as present when it names an existing file.
 */
export const SYSTEM_PACKAGES = [
  {
    name: 'chromium',
    needed_by: 'test/browser (the UI in a real browser, through playwright-core)',
    file: '/usr/bin/chromium',
    env: 'CROWSNEST_CHROMIUM',
  },
  {
    name: 'prometheus',
    needed_by: 'test/deploy (promtool checks the alert rules, the scrape config and the Grafana queries)',
    command: 'promtool',
    env: 'PROMTOOL',
  },
  {
    name: 'prometheus-alertmanager',
    needed_by: 'test/integration/alertmanager.test.ts (the Alertmanager channel against a real Alertmanager) and test/deploy (amtool checks deploy/alertmanager)',
    command: 'prometheus-alertmanager',
    env: 'CROWSNEST_ALERTMANAGER',
  },
  {
    name: 'systemd',
    needed_by: 'test/deploy (systemd-analyze verifies deploy/systemd)',
    command: 'systemd-analyze',
  },
];

/**
 * The packages of `packages` that are not installed, as told by `probe`:
 * `probe.file(path)` and `probe.command(name)` answer whether it exists, `probe.env` is the environment.
 * Example: chromium's /usr/bin/chromium absent and CROWSNEST_CHROMIUM unset: ['chromium'].
 */
export function missingPackages(packages, probe) {
  return packages
    .filter((p) => {
      const override = p.env === undefined ? undefined : probe.env[p.env];
      if (override) return !probe.file(override);
      if (p.file !== undefined) return !probe.file(p.file);
      return !probe.command(p.command);
    })
    .map((p) => p.name);
}

/** The apt-get invocations that install `names`, each an argv, prefixed by `sudo -n` unless root. */
export function installCommands(names, { root }) {
  const prefix = root ? [] : ['sudo', '-n'];
  return [
    [...prefix, 'apt-get', 'update', '-qq'],
    [...prefix, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names],
  ];
}

/**
 * What the setup does, given what is missing and what this user may do:
 * - nothing is missing: `{ action: 'none' }`;
 * - root or passwordless sudo on a machine with apt-get: `{ action: 'install', commands }`;
 * - otherwise: `{ action: 'stop', message }`, one line naming the packages and the command to run.
 */
export function planSetup({ missing, root, sudo, aptGet }) {
  if (missing.length === 0) return { action: 'none' };
  if (aptGet && (root || sudo)) return { action: 'install', commands: installCommands(missing, { root }) };
  const why = !aptGet ? 'apt-get is not available here' : 'this user is not root and has no passwordless sudo';
  const command = aptGet
    ? `sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`
    : `install the packages ${missing.join(', ')}${envHint(missing)}`;
  return {
    action: 'stop',
    message: `npm test needs the system packages ${missing.join(', ')}, which are missing and cannot be installed (${why}): run \`${command}\`, then npm test again; \`npm run test:unit\` runs the tests that need none.`,
  };
}

function envHint(missing) {
  const hints = SYSTEM_PACKAGES.filter((p) => missing.includes(p.name) && p.env !== undefined).map((p) => p.env);
  return hints.length > 0 ? ` (or point ${hints.join(', ')} at their executables)` : '';
}
