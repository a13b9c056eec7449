import type { Logger } from 'pino';
import { backoffDelay } from '../../../common/backoff.js';
import type { AlertmanagerNotificationConfig } from '../../../common/config/notification.js';
import type { HubGroup } from '../../state/group.js';
import type { Alert, Delivery } from '../alert.js';
import type { Channel, DeliveryResult } from '../channel.js';
import type { SendFn } from '../send.js';
import { ENDS_AHEAD_INTERVALS, type Phase, phaseOf } from './lifecycle.js';
import { alertsEndpoint, type PostableAlert, postableAlert } from './postable.js';

export interface AlertmanagerChannelDeps {
  readonly hubId: string;
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
  readonly send: SendFn;
  readonly signal: AbortSignal;
  readonly groupOf: (service: string, key: string) => HubGroup | undefined;
  readonly onResult?: ((result: DeliveryResult) => void) | undefined;
  /** After each post: whether Alertmanager took it, and how many alerts are active at the channel. */
  readonly onPost?: ((channel: string, ok: boolean, active: number) => void) | undefined;
  /** Alerts tracked at most (active, quiet, or over and not yet told); the oldest are dropped beyond it. */
  readonly maxTracked: number;
  readonly now: () => number;
  readonly random?: (() => number) | undefined;
}

/** One alert the channel keeps Alertmanager told about. */
interface Tracked {
  readonly alert: Alert;
  readonly delivery: Delivery;
  /** Start of the current activity (ms): the fire, or the moment it became active again. */
  startsAt: number;
  /** What Alertmanager was last told successfully. */
  told: 'nothing' | 'firing' | 'ended';
  /** When the hub last saw the group grow (hub clock). */
  lastGrowth: number;
}

/** Alerts per request; more go in several requests. */
const CHUNK = 500;
const groupKey = (service: string, key: string) => `${service}\u0000${key}`;

/**
 * An Alertmanager as a notification channel (`type: alertmanager`), behaving as Alertmanager expects
 * of a client: every alert it tracks is posted to `/api/v2/alerts` while active, again every
 * `resend_interval` with an `endsAt` 4 intervals ahead (so a restarted Alertmanager gets it back, and
 * one that stops hearing from the hub resolves it on its own), and once with `endsAt` now when it is
 * over (resolved in Crowsnest) or quiet (nothing within `window`).
 *
 * - One request in flight; each post is built from the current state, so an outage costs no memory:
 *   what waits is the set of tracked alerts (at most `maxTracked`), not a queue of requests.
 * - Network errors, timeouts and retryable statuses are retried with exponential backoff and full
 *   jitter (`retry_backoff` .. `retry_max`); other answers wait for the next interval.
 * - The history shows each alert's delivery: attempts until Alertmanager first took it, `failed`
 *   after `max_attempts` (still re-sent), `endedAt` when it was told the alert ended.
 *
 * Owned by the notifier; lives until `close()`.
 */
export class AlertmanagerChannel {
  private readonly tracked = new Map<string, Tracked>();
  private readonly byGroup = new Map<string, Set<Tracked>>();
  private readonly url: string;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private closed = false;
  private active = 0;
  private droppedSinceWarning = 0;
  private lastDropWarning = Number.NEGATIVE_INFINITY;

  constructor(readonly channel: Channel<AlertmanagerNotificationConfig>, private readonly deps: AlertmanagerChannelDeps) {
    this.url = alertsEndpoint(channel.config.url);
  }

  /** Starts telling Alertmanager about an alert (fired now, or resumed from the snapshot). */
  track(alert: Alert, delivery: Delivery): void {
    if (this.closed || this.tracked.has(alert.id)) return;
    if (phaseOf(alert, this.deps.groupOf(alert.service, alert.key), alert.firedAt, this.deps.now(), this.channel.config.window) === 'over') {
      if (delivery.status === 'pending') {
        delivery.status = 'failed';
        delivery.lastError = 'the group was resolved before Alertmanager took the alert';
      }
      return;
    }
    while (this.tracked.size >= this.deps.maxTracked) this.drop();
    const t: Tracked = { alert, delivery, startsAt: alert.firedAt, told: 'nothing', lastGrowth: alert.firedAt };
    this.tracked.set(alert.id, t);
    const k = groupKey(alert.service, alert.key);
    let set = this.byGroup.get(k);
    if (set === undefined) this.byGroup.set(k, (set = new Set()));
    set.add(t);
    this.soon();
  }

  /** A group changed (grew, or was resolved or unresolved): posts at once when one of its alerts changes phase. */
  groupChanged(group: HubGroup, grew: boolean): void {
    const set = this.byGroup.get(groupKey(group.service, group.key));
    if (set === undefined || this.closed) return;
    const now = this.deps.now();
    let changed = false;
    for (const t of set) {
      if (grew) t.lastGrowth = now;
      const phase = phaseOf(t.alert, group, t.lastGrowth, now, this.channel.config.window);
      if ((phase === 'active') !== (t.told === 'firing')) changed = true;
    }
    if (changed) this.soon();
  }

  /** Alerts Alertmanager was last told are active. */
  get activeAlerts(): number {
    return this.active;
  }

  get trackedAlerts(): number {
    return this.tracked.size;
  }

  /**
   * Forgets the oldest alert Alertmanager does not hold as active, else the oldest (Alertmanager
   * resolves that one when its endsAt passes).
   */
  private drop(): void {
    let oldest: Tracked | undefined;
    for (const t of this.tracked.values()) {
      oldest ??= t;
      if (t.told !== 'firing' && t.delivery.status !== 'pending') {
        this.forget(t.alert.id, t);
        return;
      }
    }
    const t = oldest as Tracked;
    const id = t.alert.id;
    this.forget(id, t);
    if (t.delivery.status === 'pending') {
      t.delivery.status = 'dropped';
      t.delivery.lastError = `more than ${this.deps.maxTracked} alerts tracked`;
    }
    this.deps.onResult?.('dropped');
    this.droppedSinceWarning++;
    const now = this.deps.now();
    if (now - this.lastDropWarning < 60_000) return;
    this.deps.logger.warn({ channel: this.channel.name, dropped: this.droppedSinceWarning, max: this.deps.maxTracked }, 'alertmanager channel: too many alerts tracked; the oldest are no longer re-sent');
    this.lastDropWarning = now;
    this.droppedSinceWarning = 0;
  }

  private forget(id: string, t: Tracked): void {
    this.tracked.delete(id);
    const k = groupKey(t.alert.service, t.alert.key);
    const set = this.byGroup.get(k);
    set?.delete(t);
    if (set?.size === 0) this.byGroup.delete(k);
  }

  /** Posts as soon as possible (not sooner than a pending retry). */
  private soon(): void {
    if (this.failures === 0) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    if (this.inFlight !== undefined) {
      if (delay === 0) this.again = true;
      return;
    }
    const at = this.deps.now() + delay;
    if (this.timer !== undefined && at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Number.POSITIVE_INFINITY;
      this.inFlight = this.flush()
        .catch((err: unknown) => {
          this.deps.logger.error({ channel: this.channel.name, err }, 'alertmanager channel: a round failed');
          return this.channel.config.resend_interval;
        })
        .then((next) => {
          this.inFlight = undefined;
          if (this.again && this.failures === 0) next = 0;
          this.again = false;
          if (next !== undefined) this.schedule(next);
        });
    }, delay);
    this.timer.unref();
  }

  /** One round: every tracked alert in its current phase, posted in chunks. Resolves with when to run the next (ms; undefined: when something is tracked). */
  private async flush(): Promise<number | undefined> {
    const c = this.channel.config;
    const now = this.deps.now();
    const round: { t: Tracked; phase: Phase; body: PostableAlert | undefined }[] = [];
    for (const t of this.tracked.values()) {
      const group = this.deps.groupOf(t.alert.service, t.alert.key);
      const phase = phaseOf(t.alert, group, t.lastGrowth, now, c.window);
      if (phase === 'active' && t.told === 'ended') t.startsAt = now;
      const ends = phase === 'active' ? now + ENDS_AHEAD_INTERVALS * c.resend_interval : now;
      const needed = phase === 'active' || t.told === 'firing';
      const facts = { total: group?.total ?? 0, lastSeen: group?.lastSeen ?? 0, sample: group?.samples[0] };
      const body = needed ? postableAlert(t.alert, facts, { startsAt: t.startsAt, endsAt: ends }, c, this.deps) : undefined;
      round.push({ t, phase, body });
    }
    let next: number | undefined;
    const posted = round.filter((r) => r.body !== undefined);
    for (let i = 0; i < posted.length && next === undefined; i += CHUNK) {
      const chunk = posted.slice(i, i + CHUNK);
      next = await this.post(chunk.map((r) => r.body as PostableAlert), chunk.map((r) => r.t));
      if (next === undefined) for (const r of chunk) this.told(r.t, r.phase);
    }
    const ok = next === undefined;
    if (ok) for (const r of round) if (r.body === undefined) this.told(r.t, r.phase);
    this.active = [...this.tracked.values()].filter((t) => t.told === 'firing').length;
    if (posted.length > 0) this.deps.onPost?.(this.channel.name, ok, this.active);
    if (this.closed) return undefined;
    if (!ok) return next;
    this.failures = 0;
    return this.tracked.size > 0 ? c.resend_interval : undefined;
  }

  /** Records what Alertmanager now knows of one alert. */
  private told(t: Tracked, phase: Phase): void {
    const now = this.deps.now();
    if (phase === 'active') t.told = 'firing';
    else if (t.told === 'firing') {
      t.told = 'ended';
      t.delivery.endedAt = now;
    } else t.told = 'ended';
    if (phase === 'active' && t.delivery.status !== 'delivered') {
      t.delivery.status = 'delivered';
      t.delivery.deliveredAt = now;
      t.delivery.lastError = '';
      t.delivery.endedAt = 0;
      this.deps.onResult?.('delivered');
    } else if (phase === 'active') t.delivery.endedAt = 0;
    if (phase !== 'over') return;
    this.forget(t.alert.id, t);
    if (t.delivery.status === 'pending') {
      t.delivery.status = 'failed';
      t.delivery.lastError ||= 'the group was resolved before Alertmanager took the alert';
    }
  }

  /** One POST; undefined when Alertmanager took it, else when to try again (ms). */
  private async post(body: PostableAlert[], items: Tracked[]): Promise<number | undefined> {
    const c = this.channel.config;
    const waiting = items.filter((t) => t.delivery.status !== 'delivered');
    for (const t of waiting) t.delivery.attempts++;
    let result: Awaited<ReturnType<SendFn>>;
    try {
      result = await this.deps.send(this.url, JSON.stringify(body), c.headers, c.timeout, this.deps.signal);
    } catch (err) {
      result = { ok: false, retry: true, error: (err as Error).message };
    }
    if (result.ok) return undefined;
    if (this.closed) {
      for (const t of waiting) t.delivery.attempts--;
      return c.resend_interval;
    }
    for (const t of waiting) {
      t.delivery.lastError = result.error;
      if (t.delivery.status === 'pending' && t.delivery.attempts >= c.max_attempts) {
        t.delivery.status = 'failed';
        this.deps.onResult?.('failed');
      }
    }
    this.failures++;
    if (this.failures === 1) {
      this.deps.logger.warn({ channel: this.channel.name, err: result.error, retried: result.retry }, result.retry ? 'alertmanager unreachable; retrying (alerts are kept and re-sent)' : 'alertmanager refused the alerts; check the channel\'s url and headers');
    }
    if (!result.retry) return c.resend_interval;
    this.deps.onResult?.('retried');
    const backoff = backoffDelay(this.failures - 1, c.retry_backoff, c.retry_max, this.deps.random);
    return Math.max(backoff, Math.min(result.retryAfterMs ?? 0, c.retry_max));
  }

  /** Stops posting; tracked alerts are resumed from the history after a restart. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Waits for the request in flight (aborted by the notifier's signal). */
  async settled(): Promise<void> {
    await this.inFlight;
  }
}
