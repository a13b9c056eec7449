import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConfig, hubTotals, startHub, TOKEN } from '../helpers/cluster.js';
import { FixtureTarget, type TargetBehaviour } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * A fleet of hostile targets next to good ones, scraped by a real agent process with its default
 * limits (16 MiB bodies, 100,000 aggregates per payload): each hostile target is marked down or
 * truncated with a counted reason (in /targets and /metrics), the good targets' counts at the hub stay
 * exact, and the agent's memory and event-loop delay stay bounded (read from its own metrics).
 */

type TargetView = {
  url: string; up: boolean; last_error: string; last_failure: string | null;
  failures: Record<string, number>; dropped_items: Record<string, number>; truncated_items: Record<string, number>;
};

const good = (uuid: string, total: number) => JSON.stringify({
  target_uuid: uuid,
  aggregated_errors: [{ aggregation_key: 'good@1', total_count: total, severity: 'error', created_at: '2024-01-01T00:00:00Z', latest_errors: [] }],
});

/** Streams `total` bytes of JSON-ish filler in 64 KiB chunks, honouring backpressure, until the client goes away. */
function stream(res: ServerResponse, total: number, declared: boolean): void {
  res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(total) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

/** Writes one byte every 50 ms, forever (until the agent hangs up). */
function endlessSlow(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"aggregated_errors":[');
  const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
  res.on('close', () => clearInterval(timer));
}

/** `n` aggregates, each `{"aggregation_key":"k<i>","total_count":1}`, built without one giant array of objects. */
function manyKeys(n: number): Buffer {
  const parts: string[] = ['{"target_uuid":"many","aggregated_errors":['];
  for (let i = 0; i < n; i++) parts.push(`${i === 0 ? '' : ','}{"aggregation_key":"k${i}","total_count":1}`);
  parts.push(']}');
  return Buffer.from(parts.join(''));
}

/** An aggregate whose one sample has a cause chain `depth` deep, built without recursion. */
function deepCause(depth: number): string {
  const open = '{"class":"E","message":"m","stacktrace":[],"cause":';
  const error = open.repeat(depth) + 'null' + '}'.repeat(depth);
  return `{"target_uuid":"deep","aggregated_errors":[{"aggregation_key":"deep@1","total_count":2,"latest_errors":[{"uuid":"s1","timestamp":"2024-01-01T00:00:00Z","error":${error}}]}]}`;
}

const invalidUtf8 = Buffer.concat([
  Buffer.from('{"target_uuid":"utf","aggregated_errors":[{"aggregation_key":"utf@'),
  Buffer.from([0xc3, 0x28, 0xff]),
  Buffer.from('","total_count":4}]}'),
]);

const HOSTILE: Record<string, TargetBehaviour> = {
  invalidJson: { kind: 'body', body: '{"aggregated_errors": [{"aggregation_key": "k", "total_count": 1' },
  wrongTypes: { kind: 'body', body: '{"aggregated_errors": {"aggregation_key": "k"}}' },
  wrongItemTypes: { kind: 'body', body: JSON.stringify({ target_uuid: 'items', aggregated_errors: [{ aggregation_key: 5, total_count: 'many' }, { aggregation_key: 'items@1', total_count: 1, severity: 7, latest_errors: 'nope', created_at: { x: 1 } }] }) },
  hundredMegabytes: { kind: 'custom', handle: (res) => stream(res, 100 * 1024 * 1024, false) },
  hundredMegabytesDeclared: { kind: 'custom', handle: (res) => stream(res, 100 * 1024 * 1024, true) },
  endlessSlow: { kind: 'custom', handle: endlessSlow },
  millionKeys: { kind: 'body', body: manyKeys(1_000_000) },
  deepCause: { kind: 'body', body: deepCause(10_000) },
  invalidUtf8: { kind: 'body', body: invalidUtf8 },
  badCounts: { kind: 'body', body: '{"target_uuid":"counts","aggregated_errors":[{"aggregation_key":"neg","total_count":-5},{"aggregation_key":"frac","total_count":1.5},{"aggregation_key":"huge","total_count":1e300},{"aggregation_key":"str","total_count":"3"},{"aggregation_key":"counts@1","total_count":6}]}' },
  html: { kind: 'body', body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } },
  redirect: { kind: 'body', body: '', status: 302, headers: { location: 'http://elsewhere.example/errors' } },
};

describe('hostile targets', () => {
  const procs = new Processes();
  const targets: Record<string, FixtureTarget> = {};
  let hubPort: number;
  let agent: string;

  beforeAll(async () => {
    for (const [name, behaviour] of Object.entries(HOSTILE)) targets[name] = await FixtureTarget.start(behaviour);
    // As many keys as fit in the 16 MiB body limit (gzip keeps the transfer small): 300,000 > limits.aggregatesPerPayload.
    targets['manyKeys'] = await FixtureTarget.start({ kind: 'body', body: gzipSync(manyKeys(300_000)), headers: { 'content-encoding': 'gzip' } });
    targets['gzipBomb'] = await FixtureTarget.start({ kind: 'body', body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), headers: { 'content-encoding': 'gzip' } });
    targets['good1'] = await FixtureTarget.start({ kind: 'body', body: good('g1', 5) });
    targets['good2'] = await FixtureTarget.start({ kind: 'body', body: gzipSync(good('g2', 7)), headers: { 'content-encoding': 'gzip' } });
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir)));
    const address = (name: string) => (targets[name] as FixtureTarget).address;
    const scraper = { endpoint: '/errors', refresh_interval: '1s', timeout: '2s' };
    const fleet = Object.keys(targets).filter((n) => n !== 'manyKeys');
    const proc = await procs.start('agent', 'agent', {
      agent: {
        name: 'agent-hostile',
        listen: '127.0.0.1:0',
        hubs: [{ url: `ws://127.0.0.1:${hubPort}/federate`, token: TOKEN }],
        flush_interval: '100ms',
        max_groups_per_service: 1_000,
        max_tombstones_per_service: 10_000,
        services: [
          // Hostile targets and good ones in one service: the good ones must stay exact.
          { name: 'fleet', static_configs: [{ targets: fleet.map(address) }], scraper },
          // The key explosion, in a service of its own: the group cap bounds what it costs.
          { name: 'keys', static_configs: [{ targets: [address('manyKeys')] }], scraper },
        ],
      },
      log: { level: 'info' },
    });
    agent = `http://127.0.0.1:${await proc.port('agent started')}`;
  }, 120_000);

  afterAll(async () => {
    await procs.cleanup();
    for (const t of Object.values(targets)) await t.close();
  });

  const view = (views: TargetView[], name: string) => views.find((v) => v.url.includes((targets[name] as FixtureTarget).address)) as TargetView;

  it('marks each hostile target down with its reason, or up with what was dropped or cut', async () => {
    const views = await pollUntil(
      () => getJson<TargetView[]>(`${agent}/targets`),
      (vs) => vs.length === Object.keys(targets).length && vs.every((v) => v.up || v.last_failure !== null),
      60_000,
      250,
    );
    const failure = (name: string) => view(views, name).last_failure;
    expect(failure('invalidJson')).toBe('invalid_json');
    expect(failure('wrongTypes')).toBe('invalid_payload');
    expect(failure('hundredMegabytes')).toBe('body_too_large');
    expect(failure('hundredMegabytesDeclared')).toBe('body_too_large');
    expect(failure('endlessSlow')).toBe('timeout');
    expect(failure('millionKeys')).toBe('body_too_large');
    expect(failure('gzipBomb')).toBe('body_too_large');
    expect(failure('html')).toBe('invalid_json');
    expect(view(views, 'html').last_error).toMatch(/text\/html/);
    expect(failure('redirect')).toBe('redirect');
    expect(view(views, 'redirect').last_error).toContain('http://elsewhere.example/errors');

    expect(view(views, 'wrongItemTypes')).toMatchObject({ up: true, dropped_items: { aggregate_invalid: 1 } });
    expect(view(views, 'badCounts')).toMatchObject({ up: true, dropped_items: { aggregate_invalid: 4 } });
    expect(view(views, 'deepCause')).toMatchObject({ up: true, truncated_items: { cause_chain_truncated: 1 } });
    expect(view(views, 'invalidUtf8')).toMatchObject({ up: true, truncated_items: { invalid_utf8: 1 } });
    expect(view(views, 'manyKeys')).toMatchObject({ up: true, dropped_items: { aggregates_over_limit: 200_000 } });
    expect(view(views, 'good1').up).toBe(true);
    expect(view(views, 'good2').up).toBe(true);
  });

  it('counts the good targets exactly, and keeps doing so as they change', async () => {
    await pollUntil(() => hubTotals(hubPort), (t) => t.get('fleet')?.get('good@1') === 12);
    (targets['good1'] as FixtureTarget).setJson(JSON.parse(good('g1', 9)));
    (targets['good2'] as FixtureTarget).behaviour = { kind: 'body', body: gzipSync(good('g2', 8)), headers: { 'content-encoding': 'gzip' } };
    const totals = await pollUntil(() => hubTotals(hubPort), (t) => t.get('fleet')?.get('good@1') === 17);
    const fleet = totals.get('fleet');
    expect(fleet?.get('good@1')).toBe(17);
    // What the tolerated hostile targets sent that was valid is counted too, exactly.
    expect(fleet?.get('items@1')).toBe(1);
    expect(fleet?.get('counts@1')).toBe(6);
    expect(fleet?.get('deep@1')).toBe(2);
    expect(fleet?.get('utf@\ufffd(\ufffd')).toBe(4);
    expect([...(fleet?.keys() ?? [])].sort()).toEqual(['counts@1', 'deep@1', 'good@1', 'items@1', 'utf@\ufffd(\ufffd']);
  });

  it('counts every reason in /metrics, and keeps the key explosion within the group cap', async () => {
    const text = await pollUntil(
      async () => (await fetch(`${agent}/metrics`)).text(),
      (t) => /crowsnest_agent_group_evictions_total\{service="keys"\} [1-9]/.test(t),
      30_000,
    );
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    for (const reason of ['invalid_json', 'invalid_payload', 'body_too_large', 'timeout', 'redirect']) {
      expect(value(new RegExp(`crowsnest_agent_scrapes_total\\{service="fleet",result="${reason}"\\} (\\d+)`)), reason).toBeGreaterThan(0);
    }
    for (const reason of ['cause_chain_truncated', 'invalid_utf8']) {
      expect(value(new RegExp(`crowsnest_agent_truncated_items_total\\{reason="${reason}"\\} (\\d+)`)), reason).toBeGreaterThan(0);
    }
    expect(value(/crowsnest_agent_dropped_items_total\{reason="aggregate_invalid"\} (\d+)/)).toBeGreaterThanOrEqual(5);
    expect(value(/crowsnest_agent_dropped_items_total\{reason="aggregates_over_limit"\} (\d+)/)).toBeGreaterThanOrEqual(200_000);
    expect(value(/crowsnest_agent_service_groups\{service="keys"\} (\d+)/)).toBe(1_000);
    expect(value(/crowsnest_agent_group_evictions_total\{service="keys"\} (\d+)/)).toBe(99_000);
    expect(value(/crowsnest_agent_tombstones\{service="keys"\} (\d+)/)).toBe(10_000);
    expect(value(/crowsnest_agent_targets_failing\{service="fleet",reason="body_too_large"\} (\d+)/)).toBe(4);
    expect(value(/periskop_instances_scrapped\{service_name="fleet"\} (\d+)/)).toBe(Object.keys(targets).length - 1);
  });

  it('keeps its memory and event-loop delay bounded (its own metrics)', async () => {
    // Let every hostile target be scraped several more times first.
    const start = (await getJson<{ scrapes: number }[]>(`${agent}/targets`)).reduce((n, t) => n + t.scrapes, 0);
    await pollUntil(() => getJson<{ scrapes: number }[]>(`${agent}/targets`), (vs) => vs.reduce((n, t) => n + t.scrapes, 0) > start + 3 * vs.length, 60_000, 250);
    const text = await (await fetch(`${agent}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    const maxDelay = value(/crowsnest_agent_event_loop_delay_seconds\{quantile="1"\} ([\d.e+-]+)/);
    const p99Delay = value(/crowsnest_agent_event_loop_delay_seconds\{quantile="0.99"\} ([\d.e+-]+)/);
    const rss = value(/process_resident_memory_bytes ([\d.e+-]+)/);
    const heap = value(/nodejs_heap_size_used_bytes ([\d.e+-]+)/);
    // Generous bounds: the worst single block is parsing one 16 MiB body (JSON.parse is not interruptible).
    expect(maxDelay).toBeGreaterThan(0);
    expect(maxDelay).toBeLessThan(3);
    expect(p99Delay).toBeLessThan(1);
    expect(rss).toBeLessThan(768 * 1024 * 1024);
    expect(heap).toBeLessThan(384 * 1024 * 1024);
  });
});
