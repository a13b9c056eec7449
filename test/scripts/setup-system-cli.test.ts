import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * scripts/setup-system.mjs as a process, on a PATH that holds only node and apt-get, so that every
 * package looks missing whatever this machine has; nothing is installed (root runs use --dry-run).
 */
const SCRIPT = fileURLToPath(new URL('../../scripts/setup-system.mjs', import.meta.url));
const root = process.getuid?.() === 0;
let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'setup-path-'));
  await chmod(bin, 0o755); // readable by nobody, the unprivileged user of the first test
  await symlink(process.execPath, join(bin, 'node'));
  await symlink('/usr/bin/apt-get', join(bin, 'apt-get'));
});
afterAll(async () => rm(bin, { recursive: true, force: true }));

function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: bin, CROWSNEST_CHROMIUM: '/nonexistent/chromium', HOME: tmpdir() };
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run setup:system', () => {
  it('stops a user without root or sudo before any test, with one line naming every package and the command', async () => {
    // As root, the same run as the unprivileged user nobody.
    const argv = root ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, SCRIPT] : [process.execPath, SCRIPT];
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(69);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('sudo apt-get install -y --no-install-recommends chromium prometheus prometheus-alertmanager systemd');
  });

  it.runIf(root)('as root, would install every missing package with apt-get (dry run)', async () => {
    const { code, stderr } = await run([process.execPath, SCRIPT, '--dry-run']);
    expect(code).toBe(0);
    expect(stderr).toContain('apt-get install -y -qq --no-install-recommends chromium prometheus prometheus-alertmanager systemd');
  });
});
