import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationSchema } from '../../../../common/config/schema.js';
import type { Delta, WireGroup } from '../../../../common/federation/messages.js';
import type { SavedNotify } from '../../../../hub/notify/alert.js';
import { type PostableAlert, PostableAlertSchema } from '../../../../hub/notify/alertmanager/postable.js';
import { type DeliveryResult, Notifier, type NotifierOptions } from '../../../../hub/notify/notifier.js';
import type { SendFn, SendResult } from '../../../../hub/notify/send.js';
import { HubState } from '../../../../hub/state/hub-state.js';
import { occurrence, wireGroup } from '../../../helpers/builders.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const logger = pino({ level: 'silent' });
const am = (overrides: Record<string, unknown> = {}) =>
  NotificationSchema.parse({ type: 'alertmanager', url: 'http://am.test:9093/', name: 'am', retry_backoff: '1s', retry_max: '8s', max_attempts: 3, ...overrides });

/** A real hub state fed with deltas, a notifier on it and a scripted Alertmanager; the clock is the fake timers'. */
function setup(options: Partial<NotifierOptions> = {}, state = new HubState({ samplesPerGroup: 5 })) {
  const posts: { url: string; alerts: PostableAlert[] }[] = [];
  const answers: SendResult[] = [];
  const send: SendFn = (url, body) => {
    posts.push({ url, alerts: (JSON.parse(body) as unknown[]).map((a) => PostableAlertSchema.parse(a)) });
    return Promise.resolve(answers.shift() ?? { ok: true });
  };
  const results: DeliveryResult[] = [];
  const notifier = new Notifier({
    channels: [am()], hubId: 'hub-a', logger, send, random: () => 1, publicUrl: 'https://cn.example.com/',
    groupOf: (s, k) => state.group(s, k), onResult: (r) => results.push(r), ...options,
  });
  state.onEvent((e) => notifier.handle(e));
  const source = state.source('agent-1', 'agent', 'e1');
  const own = state.lineages.intern('agent-1', 'e1', {}, []).id;
  let seq = 0;
  const merge = (groups: WireGroup[], service = 'web') => {
    const message: Delta = { t: 'delta', seq: ++seq, services: [{ name: service, groups }], targets: [] };
    state.mergeMessage(source, message, (ref) => (ref === 0 ? own : undefined));
  };
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  return { state, notifier, merge, posts, answers, results, advance };
}

const group = (key: string, count: number, at: number): WireGroup =>
  wireGroup(key, [[0, count]], { created_at: at, last_seen: at, samples: [occurrence(`${key}-${count}`, at)] });

describe('the Alertmanager channel', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('posts a new group at once as an active alert with its labels and UI link, and re-sends it every interval', async () => {
    const s = setup();
    s.merge([group('E@1', 1, T0 + 1)]);
    await s.advance(100);
    expect(s.posts).toHaveLength(1);
    const first = s.posts[0];
    expect(first?.url).toBe('http://am.test:9093/api/v2/alerts');
    expect(first?.alerts[0]).toMatchObject({
      labels: { alertname: 'CrowsnestError', service: 'web', aggregation_key: 'E@1', severity: 'error', event: 'new', hub: 'hub-a' },
      generatorURL: 'https://cn.example.com/#/web/errors/E%401', startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 4 * MIN).toISOString(),
    });
    expect(s.notifier.alerts()[0]?.deliveries[0]).toMatchObject({ channel: 'am', status: 'delivered', attempts: 1, endedAt: 0 });
    await s.advance(MIN);
    expect(s.posts).toHaveLength(2);
    expect(s.posts[1]?.alerts[0]).toMatchObject({ startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 5 * MIN).toISOString() });
    expect(s.results).toEqual(['delivered']);
  });

  it('ends an alert at once when its group is resolved, keeps the others active, and forgets it', async () => {
    const s = setup();
    s.merge([group('A', 1, T0 + 1), group('B', 1, T0 + 1)]);
    await s.advance(100);
    s.state.resolve('web', 'A', { at: Date.now(), total: 1 });
    const resolvedAt = Date.now();
    await s.advance(100);
    const last = s.posts.at(-1)?.alerts ?? [];
    expect(last.map((a) => [a.labels['aggregation_key'], a.endsAt])).toEqual([['A', new Date(resolvedAt).toISOString()], ['B', new Date(resolvedAt + 4 * MIN).toISOString()]]);
    expect(s.notifier.alerts().find((a) => a.key === 'A')?.deliveries[0]?.endedAt).toBe(resolvedAt);
    await s.advance(MIN);
    expect(s.posts.at(-1)?.alerts.map((a) => a.labels['aggregation_key'])).toEqual(['B']);
    expect(s.notifier.alertmanagers.get('am')?.activeAlerts).toBe(1);
  });

  it('ends an alert when nothing happened within the window, and starts it again when the group occurs again', async () => {
    const s = setup({ channels: [am({ window: '5m' })] });
    s.merge([group('A', 1, T0 + 1)]);
    await s.advance(5 * MIN + 100);
    expect(Date.parse(s.posts.at(-1)?.alerts[0]?.endsAt ?? '')).toBe(T0 + 9 * MIN); // last seen 5 min ago: still within
    await s.advance(MIN);
    const ended = s.posts.at(-1)?.alerts[0];
    expect(Date.parse(ended?.endsAt ?? '')).toBeLessThanOrEqual(Date.now());
    const posts = s.posts.length;
    await s.advance(2 * MIN);
    expect(s.posts).toHaveLength(posts);
    s.merge([group('A', 2, Date.now())]);
    await s.advance(100);
    const again = s.posts.at(-1)?.alerts[0];
    expect(Date.parse(again?.startsAt ?? '')).toBeGreaterThan(T0 + 8 * MIN);
    expect(Date.parse(again?.endsAt ?? '')).toBeGreaterThan(Date.now());
  });

  it('retries with backoff while Alertmanager is down, each post holding the same alerts (nothing piles up)', async () => {
    const s = setup();
    for (let i = 0; i < 6; i++) s.answers.push({ ok: false, retry: true, error: 'ECONNREFUSED' });
    s.merge([group('A', 1, T0 + 1), group('B', 1, T0 + 1)]);
    await s.advance(100);
    expect(s.posts).toHaveLength(1);
    await s.advance(900);
    expect(s.posts).toHaveLength(2); // 1 s
    await s.advance(1_900);
    expect(s.posts).toHaveLength(2);
    await s.advance(100);
    expect(s.posts).toHaveLength(3); // 2 s later
    const alert = s.notifier.alerts()[0];
    expect(alert?.deliveries[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'ECONNREFUSED' });
    await s.advance(60_000);
    expect(s.posts.length).toBeGreaterThanOrEqual(7);
    expect(new Set(s.posts.map((p) => p.alerts.length))).toEqual(new Set([2]));
    expect(s.notifier.alerts().map((a) => a.deliveries[0]?.status)).toEqual(['delivered', 'delivered']);
    expect(s.results.filter((r) => r === 'retried')).toHaveLength(6);
  });

  it('waits for the next interval after an answer that is not worth retrying', async () => {
    const s = setup();
    s.answers.push({ ok: false, retry: false, error: 'HTTP 400' });
    s.merge([group('A', 1, T0 + 1)]);
    await s.advance(MIN - 200);
    expect(s.posts).toHaveLength(1);
    await s.advance(300);
    expect(s.posts).toHaveLength(2);
    expect(s.notifier.alerts()[0]?.deliveries[0]?.status).toBe('delivered');
  });

  it('takes back the alerts of open groups after a hub restart, not those of groups resolved since', async () => {
    const s = setup();
    s.merge([group('A', 1, T0 + 1), group('B', 1, T0 + 1)]);
    await s.advance(100);
    s.state.resolve('web', 'B', { at: Date.now(), total: 1 });
    const saved = JSON.parse(JSON.stringify(s.notifier.exportState())) as SavedNotify;
    await s.notifier.close();
    const again = setup({ saved }, s.state);
    await again.advance(100);
    expect(again.posts.map((p) => p.alerts.map((a) => a.labels['aggregation_key']))).toEqual([['A']]);
    await again.notifier.close();
  });

  it('bounds the alerts it tracks', async () => {
    const s = setup({ historySize: 3 });
    s.merge([group('A', 1, T0 + 1), group('B', 1, T0 + 1), group('C', 1, T0 + 1), group('D', 1, T0 + 1)]);
    await s.advance(100);
    expect(s.notifier.alertmanagers.get('am')?.trackedAlerts).toBe(3);
    expect(s.posts.at(-1)?.alerts.map((a) => a.labels['aggregation_key'])).toEqual(['B', 'C', 'D']);
    expect(s.results).toContain('dropped');
  });
});
