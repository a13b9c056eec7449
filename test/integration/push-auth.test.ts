import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const payload = (uuid: string, key: string, total: number) => JSON.stringify({
  target_uuid: uuid,
  aggregated_errors: [{ aggregation_key: key, total_count: total, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [] }],
});

/**
 * A real agent process with `agent.push.tokens`: pushes without a configured token are answered 401
 * and never reach the hub; pushes with one (Bearer, or a token in the URL as Periskop clients send it)
 * are counted exactly at the hub.
 */
describe('push tokens: a real agent refuses pushes without a token', () => {
  const procs = new Processes();
  let hubPort: number;
  let agentPort: number;

  beforeAll(async () => {
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const proc = await procs.start('agent', 'agent', {
      agent: {
        name: 'agent-push-auth',
        listen: '127.0.0.1:0',
        hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: TOKEN }],
        flush_interval: '100ms',
        push: { tokens: ['push-token-1', 'push-token-2'] },
      },
      log: { level: 'info' },
    });
    agentPort = await proc.port('agent started');
  }, 60_000);

  afterAll(async () => procs.cleanup());

  const post = (path: string, body: string, authorization?: string, host = `127.0.0.1:${agentPort}`) =>
    fetch(`http://${host}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) } });

  it('answers 401 with a JSON error to a push without a token or with a wrong one', async () => {
    for (const auth of [undefined, 'Bearer nope', 'Bearer push-token-1x']) {
      const res = await post('/push/batch/errors', payload('run-1', 'refused@1', 5), auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('counts pushes with a token exactly at the hub, and nothing of the refused ones', async () => {
    expect((await post('/push/batch/errors', payload('run-1', 'batch@1', 2), 'Bearer push-token-1')).status).toBe(200);
    expect((await post('/push/batch/errors', payload('run-1', 'batch@1', 3), 'Bearer push-token-2')).status).toBe(200);
    const basic = `Basic ${Buffer.from('push:push-token-2').toString('base64')}`;
    expect((await post('/errors', payload('run-9', 'job@1', 4), basic)).status).toBe(200);
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => t.get('batch')?.get('batch@1') === 3 && t.get('push')?.get('job@1') === 4);
    expect([...(totals.get('batch')?.keys() ?? [])]).toEqual(['batch@1']);
    const metrics = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    expect(metrics).toMatch(/crowsnest_agent_pushes_total\{service="\(refused\)",result="unauthorized"\} 3/);
  });

  it('keeps its read-only endpoints open: health and its own /errors need no push token', async () => {
    expect((await fetch(`http://127.0.0.1:${agentPort}/-/health`)).status).toBe(200);
    expect(await getJson<{ aggregated_errors: unknown[] }>(`http://127.0.0.1:${agentPort}/errors`)).toHaveProperty('aggregated_errors');
  });
});
