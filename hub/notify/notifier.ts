import type { Logger } from 'pino';
import { backoffDelay } from '../../common/backoff.js';
import type { NotificationConfig } from '../../common/config/schema.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { HubGroup } from '../state/group.js';
import type { StateEvent } from '../state/hub-state.js';
import { type Alert, type AlertType, alertId, type Delivery, firstSeen, headlineOf, type SavedNotify } from './alert.js';
import { type Channel, channelWants, namedChannels } from './channel.js';
import { digestId, slackDigest, slackPayload, webhookDigest, webhookPayload } from './payloads.js';
import { HttpSender, type SendFn } from './send.js';

/** What happened to one delivery attempt, for `crowsnest_hub_notifications_total{result}`. */
export type DeliveryResult = 'delivered' | 'retried' | 'failed' | 'dropped';

export interface NotifierOptions {
  readonly channels: readonly NotificationConfig[];
  readonly hubId: string;
  readonly logger: Logger;
  /** The group's newest sample when sending (from the hub state). */
  readonly sampleOf?: (service: string, key: string) => Occurrence | undefined;
  /** What the notifier saved in the last snapshot (absent: a first start of this data_dir). */
  readonly saved?: SavedNotify;
  readonly onResult?: (result: DeliveryResult) => void;
  /** Alerts kept in the history (newest first at /api/v1/alerts). */
  readonly historySize?: number;
  /** Deliveries waiting (queued, in flight or between retries); more are dropped and counted. */
  readonly maxPending?: number;
  /** Deliveries in flight at once. */
  readonly concurrency?: number;
  readonly send?: SendFn;
  readonly now?: () => number;
  readonly random?: () => number;
}

const DEFAULTS = { historySize: 1_000, maxPending: 1_000, concurrency: 4 } as const;
const MESSAGE_CHARS = 1_024;

/** One request to make: one alert, or several grouped into a digest. Retried as a whole. */
interface Job {
  readonly channel: Channel;
  readonly items: readonly { readonly alert: Alert; readonly delivery: Delivery }[];
  /** Counted against the channel's max_per_minute already (or a digest, which has its own token). */
  metered: boolean;
}

/** A channel's token bucket (max_per_minute) and the alerts it holds back for the next digest. */
interface Meter {
  tokens: number;
  at: number;
  readonly held: Job[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * Notifications on new and regressed groups (DESIGN section 5). Listens to the hub state's group
 * events and fires an alert when a group is new, or came back after a resolve; each alert is delivered
 * to every channel whose filters want it, asynchronously: merging never waits for a delivery.
 *
 * - Once: a group's "new" fires once (its id is the group), each regression once (its id carries the
 *   moment it regressed); the history remembers ids.
 * - No storm after a lost data_dir or a first start: a group is announced as new only when it was first
 *   seen (created_at, else last_seen) at or after `epoch`, the moment this data_dir started watching
 *   (kept in the snapshot). A hub whose data_dir is new learns the groups its sources already had
 *   without announcing them; groups it knew before a restart come back from the snapshot as known.
 * - Retries: network errors, timeouts, 408, 425, 429 and 5xx are retried with exponential backoff and
 *   full jitter (a server's Retry-After is honoured, up to `retry_max`), at most `max_attempts` tries.
 * - Bounded: at most `concurrency` requests in flight, `maxPending` deliveries waiting (more are
 *   dropped, counted and shown as such), `historySize` alerts remembered.
 * - No flood: a channel gets at most `max_per_minute` messages (a token bucket); alerts beyond it are
 *   held and sent together as one digest when the next token is due.
 * - Restarts: the history and undelivered notifications are saved in the snapshot and resumed.
 *
 * Owned by the hub; lives until `close()`.
 */
/** Forgotten groups remembered so their return is announced; beyond, the oldest are let go. */
const FORGOTTEN_REMEMBERED = 100_000;

const groupRef = (g: HubGroup): string => `${g.service}\u0000${g.key}`;

export class Notifier {
  /** Groups first seen before this moment (ms) are never announced as new. */
  readonly epoch: number;
  readonly channels: readonly Channel[];
  private readonly byName: Map<string, Channel>;
  private readonly meters = new Map<Channel, Meter>();
  private readonly history = new Map<string, Alert>();
  /** Groups retention or max_groups forgot (service NUL key), until they come back. */
  private readonly forgotten = new Set<string>();
  private readonly queue: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlightJobs = new Set<Promise<void>>();
  private readonly listeners: ((alert: Alert) => void)[] = [];
  private readonly abort = new AbortController();
  private readonly sender: HttpSender | undefined;
  private readonly send: SendFn;
  private readonly now: () => number;
  private readonly limits: { historySize: number; maxPending: number; concurrency: number };
  private pending = 0;
  private closed = false;
  private droppedSinceWarning = 0;
  private lastDropWarning = 0;

  constructor(private readonly options: NotifierOptions) {
    this.now = options.now ?? Date.now;
    this.limits = {
      historySize: options.historySize ?? DEFAULTS.historySize,
      maxPending: options.maxPending ?? DEFAULTS.maxPending,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
    };
    this.channels = namedChannels(options.channels);
    this.byName = new Map(this.channels.map((c) => [c.name, c]));
    for (const c of this.channels) this.meters.set(c, { tokens: c.config.max_per_minute, at: this.now(), held: [], timer: undefined });
    if (options.send === undefined) this.sender = new HttpSender();
    this.send = options.send ?? (this.sender as HttpSender).send;
    this.epoch = options.saved?.epoch ?? this.now();
    const saved = options.saved?.alerts ?? [];
    for (const alert of saved.slice(Math.max(0, saved.length - this.limits.historySize))) this.history.set(alert.id, alert);
    // Notifications still pending when the hub stopped are sent now.
    for (const alert of this.history.values()) {
      for (const d of alert.deliveries) if (d.status === 'pending') this.enqueue(alert, d);
    }
  }

  /** Called with every alert fired (e.g. the live stream). */
  onAlert(listener: (alert: Alert) => void): void {
    this.listeners.push(listener);
  }

  /** The hub state's listener: turns group events into alerts. Never throws, never waits. */
  handle(e: StateEvent): void {
    if (this.closed) return;
    if (e.type === 'forgotten') return this.rememberForgotten(e.group);
    if (e.type !== 'group') return;
    let type: AlertType | undefined;
    const returning = e.isNew && this.forgotten.delete(groupRef(e.group));
    if (e.regressed) type = 'regressed';
    else if (e.isNew && (returning || firstSeen(e.group) >= this.epoch)) type = 'new';
    if (type !== undefined) this.fire(type, e.group, returning ? this.now() : 0);
  }

  /** A forgotten group that comes back is announced as new again (bounded: the oldest are let go). */
  private rememberForgotten(group: HubGroup): void {
    this.forgotten.add(groupRef(group));
    if (this.forgotten.size > FORGOTTEN_REMEMBERED) this.forgotten.delete(this.forgotten.values().next().value as string);
  }

  private fire(type: AlertType, group: HubGroup, returnedAt = 0): void {
    const id = alertId(type, group.service, group.key, group.regressedAt, returnedAt);
    if (this.history.has(id)) return;
    const { className, message } = headlineOf(group);
    const alert: Alert = {
      id, type, service: group.service, key: group.key, severity: group.severity, className,
      message: message.length > MESSAGE_CHARS ? message.slice(0, MESSAGE_CHARS) : message,
      total: group.total, createdAt: group.createdAt, lastSeen: group.lastSeen, regressedAt: group.regressedAt, firedAt: this.now(),
      deliveries: this.channels.filter((c) => channelWants(c, { type, service: group.service, severity: group.severity }))
        .map((c) => ({ channel: c.name, status: 'pending', attempts: 0, lastError: '', deliveredAt: 0 })),
    };
    this.history.set(id, alert);
    if (this.history.size > this.limits.historySize) this.history.delete(this.history.keys().next().value as string);
    this.options.logger.info({ alert: id, type, service: group.service, key: group.key, severity: group.severity, channels: alert.deliveries.map((d) => d.channel) }, type === 'new' ? 'new error group' : 'error group regressed');
    for (const d of alert.deliveries) this.enqueue(alert, d);
    for (const listener of this.listeners) listener(alert);
  }

  private enqueue(alert: Alert, delivery: Delivery): void {
    const channel = this.byName.get(delivery.channel);
    if (channel === undefined) {
      delivery.status = 'failed';
      delivery.lastError = 'the channel is no longer configured';
      return;
    }
    if (this.pending >= this.limits.maxPending) {
      delivery.status = 'dropped';
      delivery.lastError = `more than ${this.limits.maxPending} notifications waiting`;
      this.options.onResult?.('dropped');
      this.warnDropped();
      return;
    }
    this.pending++;
    this.queue.push({ channel, items: [{ alert, delivery }], metered: false });
    this.pump();
  }

  /** Takes one of the channel's max_per_minute tokens, if there is one. */
  private takeToken(channel: Channel): boolean {
    const meter = this.meters.get(channel) as Meter;
    const perMs = channel.config.max_per_minute / 60_000;
    const now = this.now();
    if (now > meter.at) meter.tokens = Math.min(channel.config.max_per_minute, meter.tokens + (now - meter.at) * perMs);
    meter.at = now;
    if (meter.tokens < 1) return false;
    meter.tokens -= 1;
    return true;
  }

  /** Holds a job back until the channel's next token, when everything held goes out as one digest. */
  private hold(job: Job): void {
    const meter = this.meters.get(job.channel) as Meter;
    meter.held.push(job);
    if (meter.timer !== undefined) return;
    const wait = Math.max(1, Math.ceil((1 - meter.tokens) / (job.channel.config.max_per_minute / 60_000)));
    meter.timer = setTimeout(() => {
      meter.timer = undefined;
      if (this.closed) return;
      const held = meter.held.splice(0);
      this.takeToken(job.channel);
      const items = held.flatMap((j) => j.items);
      this.queue.push({ channel: job.channel, items, metered: true });
      this.pump();
    }, wait);
    meter.timer.unref();
  }

  private pump(): void {
    while (!this.closed && this.inFlightJobs.size < this.limits.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      if (!job.metered) {
        if (!this.takeToken(job.channel)) {
          this.hold(job);
          continue;
        }
        job.metered = true;
      }
      const running: Promise<void> = this.attempt(job).finally(() => {
        this.inFlightJobs.delete(running);
        this.pump();
      });
      this.inFlightJobs.add(running);
    }
  }

  /** Deliveries done (delivered, failed, or left pending by a stop); after close() nothing is counted. */
  private settle(n: number): void {
    if (!this.closed) this.pending -= n;
  }

  /** The body and the id of one job: a single alert, or a digest of several. */
  private body(job: Job): { id: string; body: string } {
    const alerts = job.items.map((i) => i.alert);
    const c = job.channel.config;
    const first = alerts[0] as Alert;
    if (alerts.length > 1) {
      const payload = c.type === 'slack' ? slackDigest(alerts, this.options.hubId) : webhookDigest(alerts, this.options.hubId, this.now());
      return { id: digestId(alerts), body: JSON.stringify(payload) };
    }
    const payload = c.type === 'slack' ? slackPayload(first, this.options.hubId) : webhookPayload(first, this.options.hubId, this.options.sampleOf?.(first.service, first.key));
    return { id: first.id, body: JSON.stringify(payload) };
  }

  private async attempt(job: Job): Promise<void> {
    const { channel, items } = job;
    const c = channel.config;
    for (const { delivery } of items) delivery.attempts++;
    const attempts = Math.max(...items.map((i) => i.delivery.attempts));
    let result: Awaited<ReturnType<SendFn>>;
    let id = '';
    try {
      const built = this.body(job);
      id = built.id;
      result = await this.send(c.url, built.body, { ...c.headers, 'x-crowsnest-alert-id': id }, c.timeout, this.abort.signal);
    } catch (err) {
      result = { ok: false, retry: true, error: (err as Error).message };
    }
    if (result.ok) {
      const at = this.now();
      for (const { delivery } of items) {
        delivery.status = 'delivered';
        delivery.deliveredAt = at;
        delivery.lastError = '';
      }
      this.settle(items.length);
      this.options.onResult?.('delivered');
      return;
    }
    for (const { delivery } of items) delivery.lastError = result.error;
    if (this.closed) {
      // Stopping: left pending, saved in the snapshot and sent after the restart.
      for (const { delivery } of items) delivery.attempts--;
      this.settle(items.length);
      return;
    }
    if (result.retry && attempts < c.max_attempts) {
      const backoff = backoffDelay(attempts - 1, c.retry_backoff, c.retry_max, this.options.random);
      const delay = Math.max(backoff, Math.min(result.retryAfterMs ?? 0, c.retry_max));
      this.options.onResult?.('retried');
      this.options.logger.debug({ alert: id, channel: channel.name, attempt: attempts, err: result.error, retry_in_ms: delay }, 'notification failed; retrying');
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue.push(job);
        this.pump();
      }, delay);
      timer.unref();
      this.timers.add(timer);
      return;
    }
    for (const { delivery } of items) delivery.status = 'failed';
    this.settle(items.length);
    this.options.onResult?.('failed');
    this.options.logger.warn(
      { alert: id, channel: channel.name, attempts, err: result.error },
      result.retry ? 'notification failed after its last attempt; check the receiver' : 'notification refused by the receiver (not retried); check the channel\'s url and headers',
    );
  }

  private warnDropped(): void {
    this.droppedSinceWarning++;
    const now = this.now();
    if (now - this.lastDropWarning < 60_000) return;
    this.options.logger.warn({ dropped: this.droppedSinceWarning, max_pending: this.limits.maxPending }, 'notifications dropped: too many waiting (a receiver is down or slow)');
    this.lastDropWarning = now;
    this.droppedSinceWarning = 0;
  }

  /** The history, newest first, optionally filtered. */
  alerts(filter: { service?: string; type?: AlertType; limit?: number } = {}): Alert[] {
    const out: Alert[] = [];
    const all = [...this.history.values()];
    for (let i = all.length - 1; i >= 0 && out.length < (filter.limit ?? Number.MAX_SAFE_INTEGER); i--) {
      const a = all[i] as Alert;
      if (filter.service !== undefined && a.service !== filter.service) continue;
      if (filter.type !== undefined && a.type !== filter.type) continue;
      out.push(a);
    }
    return out;
  }

  /** Deliveries queued, in flight or waiting for a retry. */
  get pendingDeliveries(): number {
    return this.pending;
  }

  /** What the snapshot keeps (see SavedNotify). */
  exportState(): SavedNotify {
    return { epoch: this.epoch, alerts: [...this.history.values()] };
  }

  /**
   * Stops: no new alerts, retries cancelled (those deliveries stay pending for the next start),
   * in-flight requests given `graceMs` to finish, then aborted.
   */
  async close(graceMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Jobs waiting for a retry, a token or a free slot stay pending (saved in the snapshot).
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const meter of this.meters.values()) {
      clearTimeout(meter.timer);
      meter.timer = undefined;
      meter.held.length = 0;
    }
    this.queue.length = 0;
    this.pending = 0;
    if (this.inFlightJobs.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlightJobs]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      this.abort.abort();
      await Promise.allSettled([...this.inFlightJobs]);
    }
    await this.sender?.close();
  }
}
