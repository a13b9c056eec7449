import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiErrorBodySchema, encodeSegment, ErrorGroupResponseSchema, ErrorListResponseSchema, ServiceDetailResponseSchema, ServicesResponseSchema,
  SourcesResponseSchema, TargetServicesResponseSchema, TargetsResponseSchema, type ErrorListResponse, type ErrorSummary,
} from '../../common/api/v1.js';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const ADMIN = 'admin-secret';
const BASE_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const COLORS = ['red', 'blue', 'green', 'amber', 'violet'];
const ANIMALS = ['tiger', 'otter', 'heron', 'lynx', 'moth', 'crab', 'newt'];
const KINDS = ['Timeout', 'NullPointer', 'IllegalState', 'Io', 'Parse'];
const PATHS = ['cart', 'checkout/pay', 'search', 'account/settings'];
const SEVERITIES = ['error', 'warning', 'info'] as const;
const GENERATED = 3_000;
/** Keys a path must carry intact: slashes, percent signs, '#', '?', unicode, dots, a long one. */
const WEIRD_KEYS = ['a/b/c', '100% done', 'hash#tag', 'ünïcödé-😀', 'q?x=1&y=2', 'space key', 'plus+sign', 'trailing/', '%41-stays-encoded', 'x'.repeat(500), '...', 'a/../b', 'back\\slash', 'quote"d'];
/** Listed, but no URL parser keeps them as a path segment (see encodeSegment). */
const DOT_KEYS = ['.', '..'];

interface Expected {
  key: string;
  total: number;
  severity: string;
  createdAt: number;
  lastSeen: number;
  text: string;
}

/** A Periskop client's payload with thousands of keys, and what the hub must answer about each. */
function generate(): { payload: unknown; expected: Expected[] } {
  const aggregated_errors: unknown[] = [];
  const expected: Expected[] = [];
  for (let i = 0; i < GENERATED; i++) {
    const key = `Err${i}@${(i * 2654435761 % 2 ** 32).toString(16)}`;
    const total = ((i * 7919) % 1000) + 1;
    const severity = SEVERITIES[i % 3] as string;
    const createdAt = BASE_MS + ((i * 37) % 500) * 60_000;
    const lastSeen = BASE_MS + 1_000_000_000 + ((i * 13) % 2000) * 1000;
    const cls = `com.acme.${KINDS[i % 5]}Exception`;
    const message = `Order ${i} failed: ${COLORS[i % 5]} ${ANIMALS[i % 7]}`;
    const stack = [`at com.acme.module${i % 11}.Handler.handle(Handler.java:${i % 97})`, 'at com.acme.Main.main(Main.java:1)'];
    const url = `https://shop.example/${PATHS[i % 4]}?order=${i}`;
    aggregated_errors.push({
      aggregation_key: key, total_count: total, severity, created_at: new Date(createdAt).toISOString(),
      latest_errors: [{
        error: { class: cls, message, stacktrace: stack, cause: null }, uuid: `u-${i}`, timestamp: new Date(lastSeen).toISOString(), severity,
        http_context: { request_method: 'POST', request_url: url, request_headers: { accept: '*/*' }, request_body: '' },
      }],
    });
    expected.push({ key, total, severity, createdAt, lastSeen, text: [key, cls, message, ...stack, url].join('\n').toLowerCase() });
  }
  for (const key of [...WEIRD_KEYS, ...DOT_KEYS]) {
    aggregated_errors.push({ aggregation_key: key, total_count: 1, severity: 'error', created_at: new Date(BASE_MS).toISOString(), latest_errors: [] });
    expected.push({ key, total: 1, severity: 'error', createdAt: BASE_MS, lastSeen: BASE_MS, text: key.toLowerCase() });
  }
  return { payload: { target_uuid: 'big-target', aggregated_errors }, expected };
}

const cmpKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('API v1', () => {
  const procs = new Processes();
  let target: FixtureTarget;
  let base: string;
  const { payload, expected } = generate();

  beforeAll(async () => {
    target = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(payload) });
    const dir = await procs.tempDir();
    const hub = await startHub(procs, 'hub', hubConfig(dir, { admin_token: ADMIN, metrics: { max_series: 100 } }));
    base = `http://127.0.0.1:${hub.port}`;
    await procs.start('agent', 'agent', agentConfig('agent-v1', [hub.port], { checkout: [target.address] }));
    await pollUntil(() => getJson<ErrorListResponse>(`${base}/api/v1/services/checkout/errors?limit=1&status=all`), (r) => r.total === expected.length, 30_000, 200);
  });

  afterAll(async () => {
    await procs.cleanup();
    await target.close();
  });

  const list = async (query: string): Promise<ErrorListResponse> => ErrorListResponseSchema.parse(await getJson(`${base}/api/v1/services/checkout/errors?${query}`));

  /** Every page of a query, following next_cursor. */
  async function allPages(query: string): Promise<{ items: ErrorSummary[]; pages: number; totals: Set<number> }> {
    const items: ErrorSummary[] = [];
    const totals = new Set<number>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ErrorListResponse = await list(`${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      items.push(...page.items);
      totals.add(page.total);
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 1000);
    return { items, pages, totals };
  }

  it('pages through every group by count, most first, ties by key', async () => {
    const { items, pages, totals } = await allPages('sort=count&order=desc&limit=250');
    const want = [...expected].sort((a, b) => b.total - a.total || cmpKey(a.key, b.key)).map((e) => e.key);
    expect(items.map((i) => i.key)).toEqual(want);
    expect(pages).toBe(Math.ceil(want.length / 250));
    expect([...totals]).toEqual([want.length]);
    const first = items[0];
    expect(first?.total_count).toBe(1000);
  });

  it('sorts by created_at ascending and by last_seen descending', async () => {
    const byCreated = await allPages('sort=created_at&order=asc&limit=1000');
    expect(byCreated.items.map((i) => i.key)).toEqual([...expected].sort((a, b) => a.createdAt - b.createdAt || cmpKey(a.key, b.key)).map((e) => e.key));
    const byLastSeen = await allPages('sort=last_seen&order=desc&limit=333');
    expect(byLastSeen.items.map((i) => i.key)).toEqual([...expected].sort((a, b) => b.lastSeen - a.lastSeen || cmpKey(a.key, b.key)).map((e) => e.key));
    const sample = byLastSeen.items.find((i) => i.key.startsWith('Err42@'));
    expect(sample).toMatchObject({ class: 'com.acme.IllegalStateException', message: 'Order 42 failed: green tiger', status: 'unresolved' });
  });

  it('searches key, class, message, stack trace and URL, case-insensitively, every word required', async () => {
    const cases: [string, (e: Expected) => boolean][] = [
      ['BLUE Tiger', (e) => e.text.includes('blue') && e.text.includes('tiger')],
      ['module7.handler', (e) => e.text.includes('module7.handler')],
      ['shop.example/checkout/pay', (e) => e.text.includes('shop.example/checkout/pay')],
      ['illegalstateexception violet', (e) => e.text.includes('illegalstateexception') && e.text.includes('violet')],
      ['"order 42 failed"', (e) => e.text.includes('order 42 failed')],
      ['err42@', (e) => e.text.includes('err42@')],
      ['ünïcödé', (e) => e.text.includes('ünïcödé')],
      ['nothing-matches-this', () => false],
    ];
    for (const [q, match] of cases) {
      const { items, totals } = await allPages(`status=all&sort=count&order=desc&limit=100&q=${encodeURIComponent(q)}`);
      const want = expected.filter(match).sort((a, b) => b.total - a.total || cmpKey(a.key, b.key)).map((e) => e.key);
      expect(items.map((i) => i.key), q).toEqual(want);
      expect([...totals], q).toEqual([want.length]);
    }
    expect((await list('q=%22order%2042%20failed%22')).items).toHaveLength(1);
  });

  it('filters by severity, combined with search and paging', async () => {
    const { items } = await allPages('severity=warning&q=red&sort=last_seen&order=asc&limit=40');
    const want = expected.filter((e) => e.severity === 'warning' && e.text.includes('red')).sort((a, b) => a.lastSeen - b.lastSeen || cmpKey(a.key, b.key));
    expect(items.map((i) => i.key)).toEqual(want.map((e) => e.key));
    expect(items.every((i) => i.severity === 'warning')).toBe(true);
  });

  it('shows one group with its samples, sources and series, whatever its key holds', async () => {
    for (const key of [...WEIRD_KEYS, expected[42]?.key as string]) {
      const res = await fetch(`${base}/api/v1/services/checkout/errors/${encodeSegment(key)}`);
      expect(res.status, key).toBe(200);
      const group = ErrorGroupResponseSchema.parse(await res.json());
      expect(group.key).toBe(key);
    }
    const detail = ErrorGroupResponseSchema.parse(await getJson(`${base}/api/v1/services/checkout/errors/${encodeURIComponent(expected[42]?.key as string)}`));
    expect(detail.samples).toHaveLength(1);
    expect(detail.samples[0]).toMatchObject({ uuid: 'u-42', http: { method: 'POST', url: 'https://shop.example/search?order=42' } });
    expect(detail.samples[0]?.chain[0]?.stacktrace?.[0]).toBe('at com.acme.module9.Handler.handle(Handler.java:42)');
    expect(detail.sources).toEqual([{ agent: 'agent-v1', via: [], labels: { region: 'test' }, count: expected[42]?.total, lineages: 1 }]);
    expect(detail.series.minutes.values).toHaveLength(120);
    expect(detail.series.hours.values).toHaveLength(168);
    expect(detail.series.minutes.values.reduce((a, b) => a + b, 0)).toBe(expected[42]?.total);
    // A key with a raw slash, as Periskop's own routes allow.
    expect((await fetch(`${base}/api/v1/services/checkout/errors/a/b/c`)).status).toBe(200);
  });

  it('lists services, one service, sources and targets', async () => {
    const services = ServicesResponseSchema.parse(await getJson(`${base}/api/v1/services`));
    expect(services.items).toHaveLength(1);
    expect(services.items[0]).toMatchObject({ name: 'checkout', groups: expected.length, total_count: expected.reduce((n, e) => n + e.total, 0) });
    const detail = ServiceDetailResponseSchema.parse(await getJson(`${base}/api/v1/services/checkout`));
    expect(detail.series.minutes.values.reduce((a, b) => a + b, 0)).toBe(detail.total_count);
    const sources = SourcesResponseSchema.parse(await getJson(`${base}/api/v1/sources`));
    expect(sources.items).toMatchObject([{ name: 'agent-v1', kind: 'agent', connected: true, labels: { region: 'test' }, targets_up: 1, targets_down: 0 }]);
    expect(sources.items[0]?.last_seq).toBeGreaterThanOrEqual(0);
    const targets = TargetsResponseSchema.parse(await getJson(`${base}/api/v1/targets?service=checkout`));
    expect(targets.items).toMatchObject([{ service: 'checkout', agent: 'agent-v1', up: true, last_error: '' }]);
    expect(TargetsResponseSchema.parse(await getJson(`${base}/api/v1/targets?service=none`)).items).toEqual([]);
    expect(targets.total).toBe(1);
    const page = TargetsResponseSchema.parse(await getJson(`${base}/api/v1/targets?q=CHECKOUT&health=up&limit=1&offset=1`));
    expect(page).toEqual({ items: [], total: 1 });
    const perService = TargetServicesResponseSchema.parse(await getJson(`${base}/api/v1/targets/services`));
    expect(perService).toMatchObject({ items: [{ service: 'checkout', up: 1, down: 0, failing: 0, failing_targets: [] }], total: { up: 1, down: 0, failing: 0 } });
    expect(TargetServicesResponseSchema.parse(await getJson(`${base}/api/v1/targets/services?q=nothing-matches`)).items).toEqual([]);
    for (const bad of ['targets?limit=0', 'targets?health=sick', 'targets?offset=-1', 'targets/services?nope=1']) {
      expect((await fetch(`${base}/api/v1/${bad}`)).status).toBe(400);
    }
  });

  it('hides resolved groups by default and lists them under status=resolved', async () => {
    const victims = [expected[1]?.key, 'a/b/c', '100% done'] as string[];
    for (const key of victims) {
      const res = await fetch(`${base}/api/v1/services/checkout/errors/${encodeSegment(key)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status, key).toBe(200);
      expect(await res.json()).toMatchObject({ key, status: 'resolved' });
    }
    const open = await allPages('limit=1000');
    expect(open.items).toHaveLength(expected.length - victims.length);
    expect(open.items.some((i) => victims.includes(i.key))).toBe(false);
    const resolved = await list('status=resolved&limit=10&sort=count');
    expect(resolved.items.map((i) => i.key).sort()).toEqual([...victims].sort());
    expect(resolved.items.every((i) => i.resolved_at !== null)).toBe(true);
    const periskop = await getJson<{ aggregation_key: string }[]>(`${base}/services/checkout/errors/`);
    expect(periskop.map((a) => a.aggregation_key)).not.toContain('a/b/c');
    const services = ServicesResponseSchema.parse(await getJson(`${base}/api/v1/services`));
    expect(services.items[0]).toMatchObject({ open_errors: expected.length - 3, resolved_errors: 3 });
  });

  it('keeps periskop_error_occurrences within max_series and exposes the hub figures', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.slice(line.length + 1));
    expect(text.split('\n').filter((l) => l.startsWith('periskop_error_occurrences{'))).toHaveLength(100);
    expect(value('crowsnest_hub_metrics_series')).toBe(100);
    expect(value('crowsnest_hub_metrics_series_dropped')).toBe(expected.length - 100);
    expect(value('crowsnest_hub_groups')).toBe(expected.length);
    expect(value('crowsnest_hub_samples')).toBe(GENERATED);
    expect(value('crowsnest_hub_sample_bytes')).toBeGreaterThan(0);
    expect(value('crowsnest_hub_sources{kind="agent",state="connected"}')).toBe(1);
    expect(value('crowsnest_hub_memory_bytes{type="rss"}')).toBeGreaterThan(0);
    expect(value('crowsnest_hub_bytes_received_total')).toBeGreaterThan(0);
    expect(text).toContain('crowsnest_hub_merge_duration_seconds_count');
  });

  it('answers bad input with the right 4xx and the error shape, never a 500', async () => {
    const errorsUrl = `${base}/api/v1/services/checkout/errors`;
    const countCursor = (await list('sort=count&limit=1')).next_cursor as string;
    const cases: [string, number, RequestInit?][] = [
      [`${errorsUrl}?limit=0`, 400],
      [`${errorsUrl}?limit=1001`, 400],
      [`${errorsUrl}?limit=abc`, 400],
      [`${errorsUrl}?limit=1.5`, 400],
      [`${errorsUrl}?sort=bogus`, 400],
      [`${errorsUrl}?order=up`, 400],
      [`${errorsUrl}?status=open`, 400],
      [`${errorsUrl}?severity=fatal`, 400],
      [`${errorsUrl}?cursor=%21%21%21`, 400],
      [`${errorsUrl}?sort=last_seen&cursor=${encodeURIComponent(countCursor)}`, 400],
      [`${errorsUrl}?foo=1`, 400],
      [`${errorsUrl}?q=a&q=b`, 400],
      [`${errorsUrl}?q=${'x'.repeat(1001)}`, 400],
      [`${errorsUrl}?q=%`, 200],
      [`${base}/api/v1/services/nope/errors`, 404],
      [`${base}/api/v1/services/nope`, 404],
      [`${base}/api/v1/services/%ZZ/errors`, 400],
      [`${errorsUrl}/not-a-key`, 404],
      [`${errorsUrl}/%E0%A4%A`, 400],
      [`${errorsUrl}/%00`, 404],
      [`${errorsUrl}/${'k'.repeat(5_000)}`, 404],
      [`${errorsUrl}/${encodeURIComponent('😀'.repeat(3_000))}`, 431],
      [`${errorsUrl}/not-a-key/resolve`, 401, { method: 'POST' }],
      [`${errorsUrl}/not-a-key/resolve`, 401, { method: 'POST', headers: { authorization: 'Bearer wrong' } }],
      [`${errorsUrl}/not-a-key/resolve`, 404, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } }],
      [`${errorsUrl}/%E0%A4%A/unresolve`, 400, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } }],
      [`${base}/api/v1/services`, 405, { method: 'POST' }],
      [`${errorsUrl}/a/b/c`, 405, { method: 'DELETE' }],
      [`${base}/api/v1/services?x=1`, 400],
      [`${base}/api/v1/nope`, 404],
      [`${base}/services/checkout/errors/%E0%A4%A/`, 401, { method: 'DELETE' }],
      [`${base}/services/checkout/errors/%E0%A4%A/`, 400, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } }],
      [`${base}/services/checkout/errors/nope/`, 404, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } }],
    ];
    for (const [url, status, init] of cases) {
      const res = await fetch(url, init);
      const body = await res.text();
      expect(res.status, `${init?.method ?? 'GET'} ${url.slice(0, 120)}: ${body.slice(0, 200)}`).toBe(status);
      if (url.includes('/api/v1/') && status >= 400 && status !== 431) {
        expect(ApiErrorBodySchema.safeParse(JSON.parse(body)).success, body).toBe(true);
      }
    }
    const unauthorized = await fetch(`${errorsUrl}/${encodeURIComponent(expected[2]?.key as string)}/resolve`, { method: 'POST' });
    expect(await unauthorized.json()).toEqual({ error: { code: 'unauthorized', message: 'this hub requires the admin token for writes (Authorization: Bearer <admin_token>)' } });
    expect(unauthorized.headers.get('www-authenticate')).toContain('Bearer');
    // Still healthy after all of it.
    expect((await fetch(`${base}/-/health`)).status).toBe(200);
  });
});
