import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentConfig, hubConfig } from '../helpers/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/** Logs every module a process loads (ESM through a loader hook, CommonJS through Module._load) into `<dir>/loads-<pid>.txt`. */
const hookSources = (dir: string) => ({
  'hooks.mjs': `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(dir)} + '/loads-' + process.pid + '.txt', url + '\\n');
  return next(url, context);
}
`,
  'register.mjs': `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url);
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try { appendFileSync(${JSON.stringify(dir)} + '/loads-' + process.pid + '.txt', 'file://' + Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}
  return load.apply(this, arguments);
};
`,
});

/**
 * Issue 19: a process loads what its config uses. A hub and an agent with one hub link and one
 * plain-http target, logging JSON, as real processes: neither loads undici (https, discovery,
 * imports and notifications only) nor pino-pretty (pretty logs only), the agent no hub code and
 * no Sentry, OTLP, Periskop-import or non-static discovery code, the hub no agent code.
 */
describe('what a process loads', () => {
  const procs = new Processes();
  afterAll(() => procs.cleanup());

  it('loads only what the config uses', async () => {
    const dir = await procs.tempDir();
    for (const [name, text] of Object.entries(hookSources(dir))) await writeFile(join(dir, name), text);
    const env = { NODE_OPTIONS: `--import=${join(dir, 'register.mjs')}` };
    const hub = await procs.start('hub', 'hub', hubConfig(dir), env);
    const hubPort = await hub.port('hub listening');
    const agent = await procs.start('agent', 'agent', agentConfig('lean', [hubPort], { svc: ['127.0.0.1:1'] }), env);
    await agent.waitForLog((l) => l.msg === 'federation link ready');
    // A scrape of the (refusing) plain-http target has run: the scrape path is loaded.
    await pollUntil(() => readFile(join(dir, `loads-${agent.child.pid}.txt`), 'utf8').catch(() => ''), (text) => text.includes('/dist/agent/scrape/plain-connection.js'));
    await agent.waitForLog((l) => l.msg === 'target down');
    const loads = async (pid: number | undefined) => (await readFile(join(dir, `loads-${pid}.txt`), 'utf8')).split('\n').filter((l) => l !== '');
    const agentLoads = await loads(agent.child.pid);
    const hubLoads = await loads(hub.child.pid);
    // The hook sees what they do load (so the checks below can fail).
    for (const l of [agentLoads, hubLoads]) {
      expect(l.some((u) => u.includes('/node_modules/ws/'))).toBe(true);
      expect(l.some((u) => u.includes('/node_modules/pino/'))).toBe(true);
    }
    const loaded = (l: string[], part: string) => l.filter((u) => u.includes(part));
    expect(loaded(agentLoads, '/node_modules/undici/')).toEqual([]);
    expect(loaded(agentLoads, '/node_modules/pino-pretty/')).toEqual([]);
    expect(loaded(agentLoads, '/dist/hub/')).toEqual([]);
    expect(loaded(agentLoads, '/dist/agent/ingest/sentry/')).toEqual([]);
    expect(loaded(agentLoads, '/dist/agent/ingest/otlp/')).toEqual([]);
    // Static targets only: no other discovery mechanism, no Periskop import.
    expect(loaded(agentLoads, '/dist/agent/discovery/static.js')).not.toEqual([]);
    for (const kind of ['kubernetes/', 'dns.js', 'file.js', 'http.js']) expect(loaded(agentLoads, `/dist/agent/discovery/${kind}`)).toEqual([]);
    expect(loaded(agentLoads, '/dist/agent/import/')).toEqual([]);
    expect(loaded(hubLoads, '/node_modules/undici/')).toEqual([]);
    expect(loaded(hubLoads, '/node_modules/pino-pretty/')).toEqual([]);
    expect(loaded(hubLoads, '/dist/agent/')).toEqual([]);
  });
});
