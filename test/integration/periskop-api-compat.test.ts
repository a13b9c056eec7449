import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeriskopAggregateSchema } from '../../hub/api/periskop/schema.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/periskop/${name}`, import.meta.url), 'utf8');
type Aggregate = { aggregation_key: string; total_count: number; latest_errors: unknown[] };
const byKey = (list: Aggregate[]) => [...list].sort((a, b) => a.aggregation_key.localeCompare(b.aggregation_key));

/** More groups than the hub writes in one chunk of a streamed list (hub/api/json-array-stream.ts). */
const LARGE = 1_234;

/** A client body of `n` errors, error i last seen i seconds after the first. */
function largeBody(n: number): unknown {
  return {
    target_uuid: '6f1c6a52-0d3f-4d54-9b1e-3c1b0c5e2a10',
    aggregated_errors: Array.from({ length: n }, (_, i) => ({
      aggregation_key: `Timeout@${i.toString(16).padStart(6, '0')}`, total_count: i + 1, severity: 'error', created_at: '2026-01-01T00:00:00Z',
      latest_errors: [{ error: { class: 'Timeout', message: `call ${i}`, stacktrace: ['at handler'], cause: null }, uuid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), severity: 'error', http_context: null }],
    })),
  };
}

/**
 * Periskop clients' real payloads go through an agent and a hub (one `crowsnest start` process), and
 * the hub's Periskop-compatible API answers exactly what Periskop's server would.
 */
describe('Periskop compatibility', () => {
  const procs = new Processes();
  const targets: Record<string, FixtureTarget> = {};
  let base: string;

  beforeAll(async () => {
    const files = {
      mock: 'periskop-mocktarget-errors.json',
      r1: 'periskop-scraper-sample-response1.json',
      r2: 'periskop-scraper-sample-response2.json',
      go: 'periskop-go-exporter-sample.json',
      python: 'periskop-python-exporter-sample.json',
      scala: 'periskop-scala-exporter-sample.json',
    };
    for (const [name, file] of Object.entries(files)) targets[name] = await FixtureTarget.start({ kind: 'body', body: fixture(file) });
    targets['large'] = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(largeBody(LARGE)) });
    const t = (n: string) => [(targets[n] as FixtureTarget).address];
    const service = (name: string, addresses: string[]) => ({ name, static_configs: [{ targets: addresses }], scraper: { refresh_interval: '300ms' } });
    const dir = await procs.tempDir();
    const proc = await procs.start('start', 'compat', {
      hub: { listen: '127.0.0.1:0', data_dir: `${dir}/hub` },
      agent: {
        name: 'compat-agent',
        listen: '127.0.0.1:0',
        flush_interval: '100ms',
        services: [
          service('mock-target', t('mock')),
          service('two-targets', [...t('r1'), ...t('r2')]),
          service('go', t('go')),
          service('python', t('python')),
          service('scala', t('scala')),
          service('large', t('large')),
        ],
      },
    });
    base = `http://127.0.0.1:${await proc.port('hub listening')}`;
    await pollUntil(() => getJson<string[]>(`${base}/services/`), (s) => s.length === 6);
  });

  afterAll(async () => {
    await procs.cleanup();
    for (const t of Object.values(targets)) await t.close();
  });

  it('lists services at /services/', async () => {
    expect(await getJson(`${base}/services/`)).toEqual(['go', 'large', 'mock-target', 'python', 'scala', 'two-targets']);
  });

  it('answers /services/{name}/errors/ for the Periskop mock target exactly as Periskop does', async () => {
    const expected = JSON.parse(fixture('periskop-server-api-errors-from-mocktarget.derived.json')) as Aggregate[];
    const got = await getJson<Aggregate[]>(`${base}/services/mock-target/errors/`);
    expect(byKey(got)).toEqual(byKey(expected));
  });

  it('sums two targets and merges their samples newest first, with the earliest created_at', async () => {
    const expected = JSON.parse(fixture('periskop-server-api-errors-two-targets.derived.json')) as Aggregate[];
    const got = await pollUntil(() => getJson<Aggregate[]>(`${base}/services/two-targets/errors/`), (g) => g[0]?.total_count === 4);
    expect(got).toEqual(expected);
  });

  it.each(['go', 'python', 'scala'])('ingests the %s client payload into Periskop API shapes', async (service) => {
    const got = await getJson<unknown[]>(`${base}/services/${service}/errors/`);
    expect(got.length).toBeGreaterThan(0);
    for (const aggregate of got) {
      const parsed = PeriskopAggregateSchema.parse(aggregate);
      expect(parsed.latest_errors.length).toBeLessThanOrEqual(100);
      for (const e of parsed.latest_errors) {
        expect(Number.isInteger(e.timestamp)).toBe(true);
        if (e.http_context !== null) expect(typeof e.http_context.request_body).toBe('string');
      }
    }
  });

  it('keeps the scala cause chain and de-duplicates its repeated sample uuid', async () => {
    const got = await getJson<{ aggregation_key: string; total_count: number; latest_errors: { uuid: string; error: { cause: { message: string } | null } }[] }[]>(`${base}/services/scala/errors/`);
    const first = got.find((a) => a.aggregation_key.endsWith('hash-0'));
    expect(first?.total_count).toBe(3);
    const uuids = first?.latest_errors.map((e) => e.uuid) ?? [];
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(uuids).toEqual(['f12feecd-7518-46c3-88a6-38d57804e81a', 'c3c24195-27ae-4455-ba5a-7b504a7699a4']);
    expect(first?.latest_errors[1]?.error.cause?.message).toBe('foo1parent');
  });

  it('answers a list longer than one write chunk as one JSON array of every group, newest first', async () => {
    const res = await pollUntil(async () => {
      const r = await fetch(`${base}/services/large/errors/`);
      return { type: r.headers.get('content-type'), text: await r.text() };
    }, (r) => (JSON.parse(r.text) as unknown[]).length === LARGE);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.text.endsWith(']\n')).toBe(true);
    const list = JSON.parse(res.text) as Aggregate[];
    for (const a of list) PeriskopAggregateSchema.parse(a);
    expect(list.map((a) => a.total_count)).toEqual(Array.from({ length: LARGE }, (_, i) => LARGE - i));
  });

  it('answers an unknown service with Periskop\'s plain-text 404', async () => {
    const res = await fetch(`${base}/services/nope/errors/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('service nope not found\n');
  });

  it('answers /targets/ with endpoints per service', async () => {
    const got = await getJson<Record<string, { endpoint: string }[]>>(`${base}/targets/`);
    expect(got['mock-target']).toEqual([{ endpoint: `${(targets['mock'] as FixtureTarget).address}/errors` }]);
    expect(got['two-targets']?.length).toBe(2);
  });

  it('serves its own errors in the client format, /metrics and /-/health', async () => {
    const own = await getJson<{ target_uuid: string; aggregated_errors: unknown[] }>(`${base}/errors`);
    expect(typeof own.target_uuid).toBe('string');
    expect(Array.isArray(own.aggregated_errors)).toBe(true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('periskop_error_occurrences{service_name="two-targets",severity="error",aggregation_key="com.soundcloud.Foon@e28e036e"} 4');
    expect(await (await fetch(`${base}/-/health`)).text()).toBe('OK');
  });

  it('resolves with DELETE /services/{name}/errors/{key}/ (key with a slash and a space) and hides the error', async () => {
    const key = 'java.lang.Run/ timeException@123';
    const res = await fetch(`${base}/services/mock-target/errors/${encodeURIComponent(key)}/`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const got = await getJson<Aggregate[]>(`${base}/services/mock-target/errors/`);
    expect(got.map((a) => a.aggregation_key)).not.toContain(key);
    expect(got.length).toBe(4);
  });

  it('accepts the resolve path with a raw slash in the key, as Periskop\'s route does', async () => {
    const res = await fetch(`${base}/services/two-targets/errors/com.soundcloud.Foon@e28e036e/`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const missing = await fetch(`${base}/services/two-targets/errors/no/such/key/`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
  });
});
