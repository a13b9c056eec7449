import { deflateSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../../agent/aggregate/aggregator.js';
import { IngestSink } from '../../../../agent/aggregate/ingest-sink.js';
import { SentryIngestError } from '../../../../agent/ingest/sentry/sentry-error.js';
import { OVERFLOW_KEY, SentryIngest } from '../../../../agent/ingest/sentry/sentry-ingest.js';
import { SentryMetrics } from '../../../../agent/ingest/sentry/sentry-metrics.js';
import { SentryConfigSchema } from '../../../../common/config/schema.js';
import { DEFAULT_LIMITS } from '../../../../common/limits.js';

const KEY = '0123456789abcdef0123456789abcdef';
const OTHER_KEY = 'fedcba9876543210fedcba9876543210';
const NOW = 1_750_000_000_000;

function setup(config: Record<string, unknown> = {}, aggregator = newAggregator()) {
  const registry = new Registry();
  const ingest = new SentryIngest({
    config: SentryConfigSchema.parse({ projects: [{ id: 1, key: KEY, service: 'web' }, { id: 2, key: OTHER_KEY, service: 'mobile' }], ...config }),
    limits: DEFAULT_LIMITS,
    metrics: new SentryMetrics(registry),
    logger: pino({ level: 'silent' }),
    sink: new IngestSink(aggregator),
  });
  const total = (service: string) => [...aggregator.groups()].filter((g) => g.service === service).reduce((n, g) => n + g.count, 0);
  return { ingest, aggregator, registry, total };
}

function newAggregator(startMode: 'first-start' | 'restart' = 'first-start') {
  return new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode, startedAt: NOW - 1000, startupWindowMs: 60_000, onChange: () => undefined });
}

const eventId = (n: number) => n.toString(16).padStart(32, '0');
const errorEvent = (n: number, type = 'TypeError') => ({ event_id: eventId(n), level: 'error', exception: { values: [{ type, value: 'boom' }] } });
function envelope(event: object | undefined, extra: { dsn?: string; items?: string[] } = {}): Buffer {
  const lines = [JSON.stringify({ ...(event && 'event_id' in event ? { event_id: event.event_id } : {}), ...(extra.dsn ? { dsn: extra.dsn } : {}) })];
  for (const item of extra.items ?? []) lines.push(item);
  if (event !== undefined) {
    const payload = JSON.stringify(event);
    lines.push(JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) }), payload);
  }
  return Buffer.from(lines.join('\n') + '\n');
}
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof SentryIngestError ? err.reason : String(err);
  }
};

describe('SentryIngest', () => {
  it('counts each accepted event once, under the project service, cumulatively per group', () => {
    const { ingest, aggregator, total } = setup();
    for (let i = 1; i <= 5; i++) expect(ingest.envelope(1, KEY, envelope(errorEvent(i)), NOW + i)).toEqual({ id: eventId(i) });
    ingest.envelope(1, KEY, envelope(errorEvent(6, 'RangeError')), NOW + 6);
    const groups = [...aggregator.groups()];
    expect(groups.map((g) => [g.service, g.key.split('@')[0], g.count])).toEqual([['web', 'TypeError', 5], ['web', 'RangeError', 1]]);
    expect(total('web')).toBe(6);
    expect(groups[0]?.samples.map((s) => s.uuid).slice(0, 2)).toEqual([eventId(5), eventId(4)]);
  });

  it('counts a retried event id once', () => {
    const { ingest, total, registry } = setup();
    ingest.envelope(1, KEY, envelope(errorEvent(1)), NOW);
    expect(ingest.envelope(1, KEY, envelope(errorEvent(1)), NOW + 1)).toEqual({ id: eventId(1) });
    expect(total('web')).toBe(1);
    return registry.getSingleMetricAsString('crowsnest_agent_sentry_events_total').then((text) => {
      expect(text).toContain('crowsnest_agent_sentry_events_total{service="web",result="duplicate"} 1');
    });
  });

  it('accepts and ignores items that are not events', () => {
    const { ingest, total } = setup();
    const items = ['{"type":"session"}', '{"sid":"x"}', '{"type":"client_report","length":2}', '{}', '{"type":"transaction"}', '{"spans":[]}', '{"type":"attachment","length":3}', 'abc'];
    expect(ingest.envelope(1, KEY, envelope(undefined, { items }), NOW)).toEqual({});
    expect(total('web')).toBe(0);
    expect(ingest.envelope(1, KEY, envelope(errorEvent(1), { items }), NOW)).toEqual({ id: eventId(1) });
    expect(total('web')).toBe(1);
  });

  it('refuses an envelope with two events', () => {
    const { ingest, total } = setup();
    const payload = JSON.stringify(errorEvent(2));
    const body = Buffer.concat([envelope(errorEvent(1)), Buffer.from(`{"type":"event"}\n${payload}\n`)]);
    expect(reasonOf(() => ingest.envelope(1, KEY, body, NOW))).toBe('duplicate_event_item');
    expect(total('web')).toBe(0);
  });

  it('authenticates with the envelope dsn when the request has no key, and refuses wrong keys and projects', () => {
    const { ingest, total } = setup();
    expect(ingest.envelope(1, undefined, envelope(errorEvent(1), { dsn: `http://${KEY.toUpperCase()}@agent/1` }), NOW)).toEqual({ id: eventId(1) });
    expect(reasonOf(() => ingest.envelope(1, undefined, envelope(errorEvent(2)), NOW))).toBe('missing_key');
    expect(reasonOf(() => ingest.envelope(1, OTHER_KEY, envelope(errorEvent(3)), NOW))).toBe('wrong_key');
    expect(reasonOf(() => ingest.envelope(9, KEY, envelope(errorEvent(4)), NOW))).toBe('unknown_project');
    expect(total('web')).toBe(1);
  });

  it('refuses events over max_event_bytes and payloads that are not JSON objects', () => {
    const { ingest } = setup({ max_event_bytes: 1024 });
    expect(reasonOf(() => ingest.envelope(1, KEY, envelope({ ...errorEvent(1), extra: 'x'.repeat(2000) }), NOW))).toBe('event_too_large');
    expect(reasonOf(() => ingest.envelope(1, KEY, Buffer.from('{}\n{"type":"event"}\n[1]\n'), NOW))).toBe('invalid_event');
    expect(reasonOf(() => ingest.envelope(1, KEY, Buffer.from('{}\n{"type":"event"}\nnope\n'), NOW))).toBe('invalid_event');
  });

  it('rate-limits per key: past the burst it refuses with a Retry-After and counts nothing more', () => {
    const { ingest, total } = setup({ rate_limit: { events_per_second: 1, burst: 3 }, projects: [{ id: 1, key: KEY, service: 'web' }, { id: 2, key: OTHER_KEY, service: 'mobile', rate_limit: { events_per_second: 100, burst: 100 } }] });
    const results = Array.from({ length: 5 }, (_, i) => {
      try {
        ingest.envelope(1, KEY, envelope(errorEvent(i + 1)), NOW);
        return 'ok';
      } catch (err) {
        return `${(err as SentryIngestError).reason}:${(err as SentryIngestError).retryAfterSeconds}`;
      }
    });
    expect(results).toEqual(['ok', 'ok', 'ok', 'rate_limited:1', 'rate_limited:1']);
    expect(total('web')).toBe(3);
    expect(ingest.envelope(2, OTHER_KEY, envelope(errorEvent(10)), NOW)).toEqual({ id: eventId(10) });
    expect(ingest.envelope(1, KEY, envelope(errorEvent(11)), NOW + 1000)).toEqual({ id: eventId(11) });
    expect(total('web')).toBe(4);
  });

  it('counts groups beyond max_groups_per_service in one overflow group', () => {
    const { ingest, aggregator, total } = setup({ max_groups_per_service: 2 });
    ['A', 'B', 'C', 'D', 'A'].forEach((type, i) => ingest.envelope(1, KEY, envelope(errorEvent(i + 1, type)), NOW));
    const counts = Object.fromEntries([...aggregator.groups()].map((g) => [g.key.split('@')[0] === 'CrowsnestOverflow' ? OVERFLOW_KEY : g.key.split('@')[0], g.count]));
    expect(counts).toEqual({ A: 2, B: 1, [OVERFLOW_KEY]: 2 });
    expect(total('web')).toBe(5);
  });

  it('handles /store/ bodies as JSON or as base64 of zlib-compressed JSON', async () => {
    const { ingest, total } = setup();
    const project = ingest.authenticate(1, KEY);
    expect(await ingest.store(project, Buffer.from(JSON.stringify(errorEvent(1))), NOW)).toEqual({ id: eventId(1) });
    const legacy = Buffer.from(deflateSync(Buffer.from(JSON.stringify(errorEvent(2)))).toString('base64'));
    expect(await ingest.store(project, legacy, NOW)).toEqual({ id: eventId(2) });
    await expect(ingest.store(project, Buffer.from('%%%'), NOW)).rejects.toMatchObject({ reason: 'invalid_event' });
    expect(total('web')).toBe(2);
  });
});

describe('Sentry counting across origin expiry and restarts', () => {
  it('does not count a group again when its origin would have expired (keepAlive keeps it)', () => {
    const { ingest, aggregator, total } = setup();
    const ttl = 3_600_000;
    ingest.envelope(1, KEY, envelope(errorEvent(1)), NOW);
    ingest.envelope(1, KEY, envelope(errorEvent(2)), NOW + 1);
    ingest.keepAlive(NOW + ttl);
    aggregator.expireOrigins(NOW + ttl + 60_000, ttl);
    ingest.envelope(1, KEY, envelope(errorEvent(3)), NOW + ttl + 60_001);
    expect(total('web')).toBe(3);
  });

  it('counts the first event after an agent restart exactly once, whatever the previous process counted', () => {
    const aggregator = newAggregator();
    const before = setup({}, aggregator);
    before.ingest.envelope(1, KEY, envelope(errorEvent(1)), NOW);
    // The restarted agent (state_dir) holds the old origin's last count 1; the new process starts again at 1.
    const restored = newAggregator('restart');
    restored.importState(aggregator.exportState(), NOW + 10);
    const after = setup({}, restored);
    after.ingest.envelope(1, KEY, envelope(errorEvent(2)), NOW + 10);
    after.ingest.envelope(1, KEY, envelope(errorEvent(3)), NOW + 20);
    expect(after.total('web')).toBe(3);
  });
});
