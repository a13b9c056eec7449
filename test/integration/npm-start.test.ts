import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * `npm start` runs `crowsnest start --config config.dev.yaml`. The same file (ports moved to 0 and
 * directories to a temp dir, so the test never clashes with a developer's running copy) must show the
 * demo services and their errors within 30 seconds.
 */
describe('npm start with config.dev.yaml', () => {
  const procs = new Processes();
  afterAll(() => procs.cleanup());

  it('lists the demo services and their errors within 30 seconds and stops with exit code 0', async () => {
    const config = parse(readFileSync(new URL('../../config.dev.yaml', import.meta.url), 'utf8')) as {
      hub: { listen: string; data_dir: string };
      agent: { listen: string; state_dir: string; hubs: unknown[] };
      demo: { services: string[] };
    };
    const dir = await procs.tempDir();
    config.hub.listen = '127.0.0.1:0';
    config.hub.data_dir = `${dir}/hub`;
    config.agent.listen = '127.0.0.1:0';
    config.agent.state_dir = `${dir}/agent`;
    config.agent.hubs = []; // the in-process hub (its port is not known before it starts)
    const proc = await procs.start('start', 'dev', config);
    const base = `http://127.0.0.1:${await proc.port('hub listening')}`;
    const started = Date.now();
    const services = await pollUntil(() => getJson<string[]>(`${base}/services/`), (s) => s.length === config.demo.services.length, 30_000);
    expect(services).toEqual([...config.demo.services].sort());
    const errors = await pollUntil(() => getJson<{ total_count: number }[]>(`${base}/services/${services[0]}/errors/`), (e) => e.length > 0, 30_000);
    expect(errors[0]?.total_count).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await proc.stop()).toBe(0);
  });
});
