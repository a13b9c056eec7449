import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBodySchema, type ErrorListResponse, ErrorListResponseSchema } from '../../common/api/v1.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const payload = (uuid: string, errors: [key: string, total: number, message: string][]) => JSON.stringify({
  target_uuid: uuid,
  aggregated_errors: errors.map(([key, total, message]) => ({
    aggregation_key: key, total_count: total, severity: 'error', created_at: '2024-05-01T12:00:00Z',
    latest_errors: [{ error: { class: 'com.acme.Failure', message, stacktrace: [], cause: null }, uuid: `${uuid}-${key}`, timestamp: '2024-05-01T12:00:00Z', severity: 'error' }],
  })),
});

/**
 * `GET /api/v1/errors` on a real hub fed by a real agent scraping two services whose keys overlap:
 * one search over every service, paged with the same cursors as a service's list, bad input a 4xx.
 */
describe('API v1: errors over every service', () => {
  const procs = new Processes();
  const targets: FixtureTarget[] = [];
  let base: string;

  beforeAll(async () => {
    targets.push(await FixtureTarget.start({ kind: 'body', body: payload('c', [['Timeout@db', 5, 'db timeout after 3 s'], ['Npe@cart', 2, 'null cart'], ['Shared@1', 7, 'pool timeout']]) }));
    targets.push(await FixtureTarget.start({ kind: 'body', body: payload('b', [['Timeout@ledger', 9, 'ledger TIMEOUT'], ['Shared@1', 7, 'pool timeout'], ['Parse@csv', 1, 'bad csv']]) }));
    const dir = await procs.tempDir();
    const hub = await startHub(procs, 'hub', hubConfig(dir));
    base = `http://127.0.0.1:${hub.port}`;
    await procs.start('agent', 'agent', agentConfig('agent-all', [hub.port], { checkout: [targets[0]?.address ?? ''], billing: [targets[1]?.address ?? ''] }));
    await pollUntil(() => getJson<ErrorListResponse>(`${base}/api/v1/errors?status=all`), (r) => r.total === 6, 30_000, 200);
  }, 60_000);

  afterAll(async () => {
    await procs.cleanup();
    for (const t of targets) await t.close();
  });

  const list = async (query: string) => ErrorListResponseSchema.parse(await getJson(`${base}/api/v1/errors?${query}`));
  const ids = (r: ErrorListResponse) => r.items.map((e) => `${e.service}/${e.key}`);

  it('finds errors of every service with the search language of a service list', async () => {
    const r = await list('q=timeout&sort=count&order=desc');
    expect(ids(r)).toEqual(['billing/Timeout@ledger', 'billing/Shared@1', 'checkout/Shared@1', 'checkout/Timeout@db']);
    expect(r.total).toBe(4);
    expect(ids(await list('q=%22pool%20timeout%22'))).toEqual(expect.arrayContaining(['billing/Shared@1', 'checkout/Shared@1']));
    expect(ids(await list('q=timeout%20ledger'))).toEqual(['billing/Timeout@ledger']);
    expect((await list('q=nothing-matches')).total).toBe(0);
  });

  it('pages through every group once, ties (same count) by service then key', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ErrorListResponse = await list(`sort=count&order=desc&limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(page.total).toBe(6);
      seen.push(...ids(page));
      cursor = page.next_cursor;
    } while (cursor !== null && seen.length < 20);
    expect(seen).toEqual(['billing/Timeout@ledger', 'billing/Shared@1', 'checkout/Shared@1', 'checkout/Timeout@db', 'checkout/Npe@cart', 'billing/Parse@csv']);
  });

  it('answers bad input with a 4xx in the v1 error shape', async () => {
    const status = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${base}${path}`, init);
      const body = ApiErrorBodySchema.parse(await res.json());
      return [res.status, body.error.code];
    };
    const serviceCursor = (await getJson<ErrorListResponse>(`${base}/api/v1/services/checkout/errors?status=all&limit=1`)).next_cursor ?? '';
    expect(await status(`/api/v1/errors?cursor=${encodeURIComponent(serviceCursor)}`)).toEqual([400, 'bad_cursor']);
    expect(await status('/api/v1/errors?cursor=not-a-cursor')).toEqual([400, 'bad_cursor']);
    expect(await status('/api/v1/errors?limit=0')).toEqual([400, 'bad_request']);
    expect(await status(`/api/v1/errors?q=${'x'.repeat(1001)}`)).toEqual([400, 'bad_request']);
    expect(await status('/api/v1/errors?service=checkout')).toEqual([400, 'bad_request']);
    expect(await status('/api/v1/errors', { method: 'POST' })).toEqual([405, 'method_not_allowed']);
    const allCursor = (await list('limit=1')).next_cursor ?? '';
    expect(await status(`/api/v1/services/checkout/errors?cursor=${encodeURIComponent(allCursor)}`)).toEqual([400, 'bad_cursor']);
  });
});
