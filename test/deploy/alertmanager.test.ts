import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/processes.js';
import { cleanEnv, runCommand } from '../helpers/run-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'deploy', 'alertmanager');
/** amtool ships with Debian's prometheus-alertmanager; CROWSNEST_AMTOOL overrides it. */
const AMTOOL = process.env['CROWSNEST_AMTOOL'] || 'amtool';

/** The receivers Alertmanager picks for an alert with these labels, per the shipped config. */
async function routes(labels: Record<string, string>): Promise<string> {
  const r = await runCommand(AMTOOL, ['config', 'routes', 'test', `--config.file=${join(DIR, 'alertmanager.yml')}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** deploy/alertmanager: the routing example and the hub config its README shows. */
describe('deploy/alertmanager', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'crowsnest-am-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes amtool check-config', async () => {
    const r = await runCommand(AMTOOL, ['check-config', join(DIR, 'alertmanager.yml')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('routes Crowsnest alerts as its comments say', async () => {
    const alert = { alertname: 'CrowsnestError', severity: 'error', event: 'new', hub: 'global', aggregation_key: 'E@1' };
    expect(await routes({ ...alert, service: 'checkout' })).toBe('payments-pager,errors-chat');
    expect(await routes({ ...alert, service: 'checkout', event: 'regressed' })).toBe('errors-chat');
    expect(await routes({ ...alert, service: 'search' })).toBe('errors-chat');
    expect(await routes({ alertname: 'ServiceDown', service: 'search' })).toBe('default');
  });

  it('shows a hub config that passes crowsnest check-config', async () => {
    const readme = await readFile(join(DIR, 'README.md'), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toContain('type: alertmanager');
    const file = join(tmp, 'hub.yaml');
    await writeFile(file, block ?? '');
    const r = await runCommand(process.execPath, [BIN, 'check-config', file], { env: cleanEnv() });
    expect(r.code, r.stderr).toBe(0);
  });
});
