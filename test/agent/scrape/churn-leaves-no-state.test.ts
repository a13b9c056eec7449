import { afterEach, describe, expect, it, vi } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { IngestSink } from '../../../agent/aggregate/ingest-sink.js';
import type { ScrapeTarget } from '../../../agent/discovery/types.js';
import { ScrapePool } from '../../../agent/scrape/scrape-pool.js';
import { ServiceConfigSchema } from '../../../common/config/service.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate } from '../../helpers/builders.js';
import { FixtureTarget } from '../../helpers/fixture-target.js';

const SERVICE = ServiceConfigSchema.parse({ name: 'svc', scraper: { refresh_interval: '20ms', timeout: '2s' } });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pool scraping into a real aggregator, counting what it ingested. */
function poolWithAggregator() {
  const aggregator = new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: 0, startupWindowMs: 0, onChange: () => undefined,
  });
  let ingested = 0;
  const sink = new IngestSink(aggregator);
  const pool = new ScrapePool({
    concurrency: 8,
    limits: DEFAULT_LIMITS,
    sink: {
      observe: (o, options) => {
        ingested++;
        return sink.observe(o, options);
      },
      touch: (service, origin, now) => sink.touch(service, origin, now),
      forget: (service, origin, now) => sink.forget(service, origin, now),
      health: () => undefined,
    },
  });
  cleanups.push(() => pool.close());
  return { aggregator, pool, ingested: () => ingested };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 10 });

describe('state under churn', () => {
  it('keeps one origin for a URL whose target answers with a new target_uuid every scrape', async () => {
    let instance = 0;
    const target = await FixtureTarget.start({
      kind: 'custom',
      handle: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ target_uuid: `instance-${++instance}`, aggregated_errors: [{ aggregation_key: 'k', total_count: 1 }] }));
      },
    });
    cleanups.push(() => target.close());
    const { aggregator, pool, ingested } = poolWithAggregator();
    pool.setTargets(SERVICE, [{ service: 'svc', url: `http://${target.address}/errors`, labels: {} }], () => undefined);
    await waitFor(() => expect(ingested()).toBeGreaterThanOrEqual(30));
    await pool.close();
    expect(aggregator.stats().origins).toBe(1);
    // Every instance reported one error: all of them are counted, none twice.
    expect(aggregator.group('svc', 'k')?.count).toBe(ingested());
  });

  it('keeps loops, healths and origins only for the current targets when discovery replaces them', async () => {
    const target = await FixtureTarget.start({
      kind: 'custom',
      handle: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ target_uuid: res.req.url, aggregated_errors: [{ aggregation_key: 'k', total_count: 1 }] }));
      },
    });
    cleanups.push(() => target.close());
    const { aggregator, pool } = poolWithAggregator();
    let removed = 0;
    for (let round = 0; round < 10; round++) {
      const targets: ScrapeTarget[] = Array.from({ length: 5 }, (_, i) => ({ service: 'svc', url: `http://${target.address}/errors?round=${round}&i=${i}`, labels: {} }));
      pool.setTargets(SERVICE, targets, () => removed++);
      await waitFor(() => expect(pool.healths().every((h) => h.up)).toBe(true));
    }
    await waitFor(() => expect(removed).toBe(45));
    expect(pool.size).toBe(5);
    expect(pool.healths()).toHaveLength(5);
    expect(aggregator.stats().origins).toBe(5);
    expect(aggregator.group('svc', 'k')?.count).toBe(50);
  });
});

describe('Aggregator state under origin churn', () => {
  const make = () => new Aggregator({
    samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: 0, startupWindowMs: 0, onChange: () => undefined,
  });

  it('holds no origin state for instances that were replaced', () => {
    const aggregator = make();
    let previous: string | undefined;
    for (let i = 0; i < 10_000; i++) {
      const origin = `http://10.0.0.1:80/errors#uuid-${i}`;
      if (previous !== undefined) aggregator.forgetOrigin('svc', previous, i);
      aggregator.observe('svc', origin, [aggregate('k', 1), aggregate(`k-${i % 10}`, 1)], i);
      previous = origin;
    }
    expect(aggregator.stats()).toEqual({ services: 1, groups: 11, origins: 1 });
    expect(aggregator.group('svc', 'k')?.count).toBe(10_000);
  });

  it('forgets pushers silent for longer than the origin TTL, keeping their counts', () => {
    const aggregator = make();
    for (let i = 0; i < 1_000; i++) aggregator.observe('jobs', `push:jobs:run-${i}`, [aggregate('k', 2)], i);
    expect(aggregator.stats().origins).toBe(1_000);
    expect(aggregator.expireOrigins(10_000 + 3_600_000, 3_600_000)).toBe(1_000);
    expect(aggregator.stats().origins).toBe(0);
    expect(aggregator.group('jobs', 'k')?.count).toBe(2_000);
  });

  it('holds at most the group cap however many distinct keys the targets send', () => {
    const aggregator = new Aggregator({
      samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: 0, startupWindowMs: 0, onChange: () => undefined,
      maxGroupsPerService: 100, maxTombstonesPerService: 1_000,
    });
    for (let i = 0; i < 100; i++) aggregator.observe('svc', `o${i}`, Array.from({ length: 100 }, (_, j) => aggregate(`key-${i}-${j}`, 1)), i);
    const [stats] = aggregator.serviceStats();
    expect(stats).toMatchObject({ groups: 100, tombstones: 1_000 });
    expect(stats?.evictedGroups).toBe(9_900);
  });
});
