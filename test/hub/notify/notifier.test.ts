import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type NotificationConfig, NotificationSchema } from '../../../common/config/schema.js';
import type { Delta, WireGroup } from '../../../common/federation/messages.js';
import { WebhookDigestSchema, WebhookPayloadSchema } from '../../../hub/notify/webhook-schema.js';
import { HubState } from '../../../hub/state/hub-state.js';
import type { SavedNotify } from '../../../hub/notify/alert.js';
import { type DeliveryResult, Notifier, type NotifierOptions } from '../../../hub/notify/notifier.js';
import type { SendFn, SendResult } from '../../../hub/notify/send.js';
import { occurrence, type PlainWireGroup, wireGroup } from '../../helpers/builders.js';

const T0 = 1_700_000_000_000;
const logger = pino({ level: 'silent' });

interface Call {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

/** A scripted transport: answers each call with the next result (default ok), records what was sent. */
function transport(results: SendResult[] = []) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let hold: Promise<void> | undefined;
  const send: SendFn = async (url, body, headers) => {
    calls.push({ url, body: JSON.parse(body) as Record<string, unknown>, headers });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (hold !== undefined) await hold;
    inFlight--;
    return results.shift() ?? { ok: true };
  };
  return {
    send, calls,
    get maxInFlight() { return maxInFlight; },
    holdUntil(p: Promise<void>) { hold = p; },
  };
}

function channel(overrides: Record<string, unknown> = {}): NotificationConfig {
  return NotificationSchema.parse({ type: 'webhook', url: 'http://receiver.test/hook', retry_backoff: '1s', retry_max: '10s', ...overrides });
}

/** A real hub state fed with deltas, and a notifier listening to it. */
function setup(options: Partial<NotifierOptions> & { channels?: NotificationConfig[] } = {}) {
  let now = T0;
  const state = new HubState({ samplesPerGroup: 20, now: () => now });
  const source = state.source('agent-1', 'agent', 'e1');
  const own = state.lineages.intern('agent-1', 'e1', {}, []).id;
  const results: DeliveryResult[] = [];
  const t = transport();
  const notifier = new Notifier({
    channels: [channel()], hubId: 'hub-a', logger, send: t.send, now: () => now, random: () => 1,
    sampleOf: (s, k) => state.group(s, k)?.samples[0], onResult: (r) => results.push(r),
    ...options,
  });
  state.onEvent((e) => notifier.handle(e));
  let seq = 0;
  const merge = (groups: WireGroup[], service = 'checkout') => {
    const message: Delta = { t: 'delta', seq: ++seq, services: [{ name: service, groups }], targets: [] };
    state.mergeMessage(source, message, (ref) => (ref === 0 ? own : undefined));
  };
  return { state, notifier, merge, results, t, tick: (ms: number) => (now += ms), now: () => now };
}

const group = (key: string, count: number, createdAt: number, extra: Partial<PlainWireGroup> = {}): WireGroup =>
  wireGroup(key, [[0, count]], { created_at: createdAt, last_seen: createdAt, samples: [occurrence(`${key}-${count}`, createdAt)], ...extra });

describe('Notifier', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('announces a new group once, with its headline, newest sample and id', async () => {
    const { notifier, merge, t } = setup();
    merge([group('E@1', 1, T0 + 1)]);
    merge([group('E@1', 2, T0 + 2)]);
    await vi.runAllTimersAsync();
    expect(t.calls).toHaveLength(1);
    const payload = WebhookPayloadSchema.parse(t.calls[0]?.body);
    expect(payload).toMatchObject({ id: 'new:checkout/E%401', event: 'new', hub: 'hub-a', service: 'checkout', key: 'E@1', class: 'java.lang.RuntimeException', message: 'boom E@1-1', total_count: 1 });
    expect(payload.sample?.chain[0]?.stacktrace).toEqual(['at Main.main(Main.java:1)']);
    expect(t.calls[0]?.headers['x-crowsnest-alert-id']).toBe('new:checkout/E%401');
    expect(notifier.alerts().map((a) => [a.id, a.deliveries[0]?.status])).toEqual([['new:checkout/E%401', 'delivered']]);
  });

  it('does not announce groups first seen before it started watching (a full sync into an empty data_dir)', async () => {
    const { notifier, merge, t } = setup();
    merge([group('old@1', 50, T0 - 86_400_000), group('old@2', 3, T0 - 1), group('fresh@3', 1, T0 + 5)]);
    await vi.runAllTimersAsync();
    expect(t.calls.map((c) => c.body['key'])).toEqual(['fresh@3']);
    expect(notifier.alerts()).toHaveLength(1);
  });

  it('announces each regression once', async () => {
    const { state, notifier, merge, t, tick } = setup();
    merge([group('E@1', 1, T0 + 1)]);
    state.resolve('checkout', 'E@1', { at: T0 + 10, total: 1 });
    tick(100);
    merge([group('E@1', 2, T0 + 1)]);
    merge([group('E@1', 3, T0 + 1)]);
    state.resolve('checkout', 'E@1', { at: T0 + 200, total: 3 });
    tick(100);
    merge([group('E@1', 4, T0 + 1)]);
    await vi.runAllTimersAsync();
    expect(t.calls.map((c) => c.body['event'])).toEqual(['new', 'regressed', 'regressed']);
    expect(new Set(notifier.alerts().map((a) => a.id)).size).toBe(3);
  });

  it('links every webhook and Slack message to the error in the UI when hub.public_url is set', async () => {
    const slack = channel({ type: 'slack', url: 'http://slack.test/services/T/B/x' });
    const { merge, t } = setup({ channels: [channel(), slack], publicUrl: 'https://cn.example.com/' });
    merge([group('E@1', 1, T0 + 1)]);
    await vi.runAllTimersAsync();
    expect(WebhookPayloadSchema.parse(t.calls[0]?.body).ui_url).toBe('https://cn.example.com/#/checkout/errors/E%401');
    expect(String(t.calls[1]?.body['text'])).toContain('<https://cn.example.com/#/checkout/errors/E%401|open in Crowsnest>');
  });

  it('sends each channel only what its filters want', async () => {
    const webhook = channel({ name: 'errors', severities: ['error'] });
    const slack = channel({ type: 'slack', url: 'http://slack.test/services/T/B/x', services: ['search'], events: ['new'] });
    const { merge, t, notifier } = setup({ channels: [webhook, slack] });
    merge([group('E@1', 1, T0 + 1)], 'checkout');
    merge([group('W@1', 1, T0 + 1, { severity: 'warning' })], 'search');
    await vi.runAllTimersAsync();
    expect(t.calls.map((c) => [c.url, c.body['key'] ?? 'slack'])).toEqual([['http://receiver.test/hook', 'E@1'], ['http://slack.test/services/T/B/x', 'slack']]);
    expect(String(t.calls[1]?.body['text'])).toMatch(/New error\* in \*search\* \(warning\)/);
    expect(notifier.alerts().map((a) => a.deliveries.map((d) => d.channel))).toEqual([['slack slack.test'], ['errors']]);
  });

  it('retries a failed delivery with backoff and the same id until the receiver takes it', async () => {
    const scripted = transport([{ ok: false, retry: true, error: 'HTTP 500' }, { ok: false, retry: true, error: 'ECONNREFUSED' }]);
    const s = setup({ send: scripted.send });
    s.merge([group('E@1', 1, T0 + 1)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(scripted.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(scripted.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(scripted.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(scripted.calls).toHaveLength(3);
    expect(new Set(scripted.calls.map((c) => c.headers['x-crowsnest-alert-id']))).toEqual(new Set(['new:checkout/E%401']));
    expect(s.results).toEqual(['retried', 'retried', 'delivered']);
    expect(s.notifier.alerts()[0]?.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3, lastError: '' });
  });

  it('honours a Retry-After longer than its own backoff, up to retry_max', async () => {
    const scripted = transport([{ ok: false, retry: true, error: 'HTTP 429', retryAfterMs: 5_000 }]);
    const s = setup({ send: scripted.send });
    s.merge([group('E@1', 1, T0 + 1)]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(scripted.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(scripted.calls).toHaveLength(2);
  });

  it('does not retry a refusal such as 404, and gives up after max_attempts', async () => {
    const refused = transport([{ ok: false, retry: false, error: 'HTTP 404' }]);
    const a = setup({ send: refused.send });
    a.merge([group('E@1', 1, T0 + 1)]);
    await vi.runAllTimersAsync();
    expect(refused.calls).toHaveLength(1);
    expect(a.notifier.alerts()[0]?.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 404' });

    const down = transport(Array.from({ length: 10 }, () => ({ ok: false, retry: true, error: 'HTTP 503' })));
    const b = setup({ send: down.send, channels: [channel({ max_attempts: 3 })] });
    b.merge([group('E@1', 1, T0 + 1)]);
    await vi.runAllTimersAsync();
    expect(down.calls).toHaveLength(3);
    expect(b.results).toEqual(['retried', 'retried', 'failed']);
  });

  it('keeps at most `concurrency` requests in flight and drops past maxPending, never blocking the merge', async () => {
    let release: () => void = () => undefined;
    const slow = transport();
    slow.holdUntil(new Promise<void>((resolve) => (release = resolve)));
    const s = setup({ send: slow.send, concurrency: 2, maxPending: 5 });
    s.merge(Array.from({ length: 8 }, (_, i) => group(`E@${i}`, 1, T0 + 1)));
    // The merge returned while every request is still waiting.
    expect(s.state.stats().groups).toBe(8);
    await vi.advanceTimersByTimeAsync(0);
    expect(slow.calls).toHaveLength(2);
    expect(s.results.filter((r) => r === 'dropped')).toHaveLength(3);
    release();
    await vi.runAllTimersAsync();
    expect(slow.calls).toHaveLength(5);
    expect(slow.maxInFlight).toBe(2);
    expect(s.notifier.alerts().map((a) => a.deliveries[0]?.status).sort()).toEqual([...Array(3).fill('dropped'), ...Array(5).fill('delivered')].sort());
  });

  it('keeps its epoch and history across a restart and sends what was still pending', async () => {
    const down = transport(Array.from({ length: 3 }, () => ({ ok: false, retry: true, error: 'ECONNREFUSED' })));
    const before = setup({ send: down.send });
    before.merge([group('E@1', 1, T0 + 1)]);
    await vi.advanceTimersByTimeAsync(0);
    await before.notifier.close();
    const saved: SavedNotify = structuredClone(before.notifier.exportState());
    expect(saved.epoch).toBe(T0);
    expect(saved.alerts[0]?.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 });

    const up = transport();
    const after = setup({ send: up.send, saved, now: () => T0 + 3_600_000 });
    await vi.runAllTimersAsync();
    expect(up.calls.map((c) => c.body['id'])).toEqual(['new:checkout/E%401']);
    expect(after.notifier.epoch).toBe(T0);
    expect(after.notifier.alerts()[0]?.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    // A group first seen while the hub was down is still new to it.
    after.merge([group('E@2', 1, T0 + 60_000)]);
    await vi.runAllTimersAsync();
    expect(up.calls.map((c) => c.body['key'])).toEqual(['E@1', 'E@2']);
  });

  it('sends at most max_per_minute messages to a channel and groups the rest into one digest', async () => {
    vi.setSystemTime(T0);
    const s = setup({ channels: [channel({ max_per_minute: 2 })], now: () => Date.now() });
    s.merge(Array.from({ length: 7 }, (_, i) => group(`E@${i}`, 1, T0 + 1)));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.t.calls.map((c) => c.body['key'])).toEqual(['E@0', 'E@1']);
    // One token every 30 s: the five held alerts go out together.
    await vi.advanceTimersByTimeAsync(29_999);
    expect(s.t.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.t.calls).toHaveLength(3);
    const digest = WebhookDigestSchema.parse(s.t.calls[2]?.body);
    expect([digest.count, digest.alerts.map((a) => a.key)]).toEqual([5, ['E@2', 'E@3', 'E@4', 'E@5', 'E@6']]);
    expect(s.t.calls[2]?.headers['x-crowsnest-alert-id']).toBe(digest.id);
    expect(s.notifier.alerts().map((a) => a.deliveries[0]?.status)).toEqual(Array(7).fill('delivered'));
    // A later alert waits for the next token, alone: a single notification again.
    s.merge([group('late@1', 1, T0 + 2)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.t.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(WebhookPayloadSchema.parse(s.t.calls[3]?.body).key).toBe('late@1');
  });

  it('writes a Slack digest as one message', async () => {
    vi.setSystemTime(T0);
    const s = setup({ channels: [channel({ type: 'slack', max_per_minute: 1 })], now: () => Date.now() });
    s.merge(Array.from({ length: 13 }, (_, i) => group(`E@${i}`, 1, T0 + 1)));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.t.calls).toHaveLength(2);
    expect(String(s.t.calls[1]?.body['text'])).toMatch(/^:rotating_light: \*12 alerts\* at once[\s\S]*… and 2 more$/);
  });

  it('lists the history newest first, filtered and bounded', async () => {
    const s = setup({ historySize: 3 });
    s.merge([group('a@1', 1, T0 + 1)], 'web');
    s.merge([group('b@1', 1, T0 + 1)], 'api');
    s.merge([group('c@1', 1, T0 + 1)], 'web');
    s.merge([group('d@1', 1, T0 + 1)], 'web');
    await vi.runAllTimersAsync();
    expect(s.notifier.alerts().map((a) => a.key)).toEqual(['d@1', 'c@1', 'b@1']);
    expect(s.notifier.alerts({ service: 'web', limit: 1 }).map((a) => a.key)).toEqual(['d@1']);
  });
});
