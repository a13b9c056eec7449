import type { Logger } from 'pino';
import { backoffDelay } from '../../common/backoff.js';
import type { HookNotificationConfig } from '../../common/config/notification.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { Alert, Delivery } from './alert.js';
import type { Channel, DeliveryResult } from './channel.js';
import { digestId, slackDigest, slackPayload, webhookDigest, webhookPayload } from './payloads.js';
import type { SendFn } from './send.js';

export interface HookDeliveryOptions {
  readonly hubId: string;
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
  readonly send: SendFn;
  readonly signal: AbortSignal;
  readonly sampleOf: ((service: string, key: string) => Occurrence | undefined) | undefined;
  readonly onResult: ((result: DeliveryResult) => void) | undefined;
  /** A delivery became delivered or failed (the peers' alert log, hub/peers). */
  readonly onSettled?: (alert: Alert) => void;
  readonly maxPending: number;
  readonly concurrency: number;
  readonly now: () => number;
  readonly random: (() => number) | undefined;
}

/** One request to make: one alert, or several grouped into a digest. Retried as a whole. */
interface Job {
  readonly channel: Channel<HookNotificationConfig>;
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
 * Delivery to webhook and Slack channels (the notifier's part that POSTs one message per alert):
 * a bounded queue, `concurrency` requests in flight, retries with backoff, and per channel a token
 * bucket (`max_per_minute`) beyond which alerts are held and sent as one digest. Owned by the
 * notifier; lives until `close()`.
 */
export class HookDelivery {
  private readonly meters = new Map<Channel<HookNotificationConfig>, Meter>();
  private readonly queue: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlightJobs = new Set<Promise<void>>();
  private pending = 0;
  private closed = false;
  private droppedSinceWarning = 0;
  private lastDropWarning = 0;

  constructor(channels: readonly Channel<HookNotificationConfig>[], private readonly options: HookDeliveryOptions) {
    for (const c of channels) this.meters.set(c, { tokens: c.config.max_per_minute, at: options.now(), held: [], timer: undefined });
  }

  /** Queues one alert's delivery to one channel (dropped and counted when too many wait). */
  enqueue(channel: Channel<HookNotificationConfig>, alert: Alert, delivery: Delivery): void {
    if (this.pending >= this.options.maxPending) {
      delivery.status = 'dropped';
      delivery.lastError = `more than ${this.options.maxPending} notifications waiting`;
      this.options.onResult?.('dropped');
      this.warnDropped();
      return;
    }
    this.pending++;
    this.queue.push({ channel, items: [{ alert, delivery }], metered: false });
    this.pump();
  }

  /** Takes one of the channel's max_per_minute tokens, if there is one. */
  private takeToken(channel: Channel<HookNotificationConfig>): boolean {
    const meter = this.meters.get(channel) as Meter;
    const perMs = channel.config.max_per_minute / 60_000;
    const now = this.options.now();
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
    while (!this.closed && this.inFlightJobs.size < this.options.concurrency && this.queue.length > 0) {
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
    const { hubId, publicUrl } = this.options;
    const slack = job.channel.config.type === 'slack';
    const first = alerts[0] as Alert;
    if (alerts.length > 1) {
      const payload = slack ? slackDigest(alerts, hubId, publicUrl) : webhookDigest(alerts, hubId, this.options.now(), publicUrl);
      return { id: digestId(alerts), body: JSON.stringify(payload) };
    }
    const payload = slack ? slackPayload(first, hubId, publicUrl) : webhookPayload(first, hubId, this.options.sampleOf?.(first.service, first.key), publicUrl);
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
      result = await this.options.send(c.url, built.body, { ...c.headers, 'x-crowsnest-alert-id': id }, c.timeout, this.options.signal);
    } catch (err) {
      result = { ok: false, retry: true, error: (err as Error).message };
    }
    if (result.ok) {
      const at = this.options.now();
      for (const { delivery } of items) {
        delivery.status = 'delivered';
        delivery.deliveredAt = at;
        delivery.lastError = '';
      }
      this.settle(items.length);
      this.options.onResult?.('delivered');
      for (const { alert } of items) this.options.onSettled?.(alert);
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
    for (const { alert } of items) this.options.onSettled?.(alert);
    this.settle(items.length);
    this.options.onResult?.('failed');
    this.options.logger.warn(
      { alert: id, channel: channel.name, attempts, err: result.error },
      result.retry ? 'notification failed after its last attempt; check the receiver' : 'notification refused by the receiver (not retried); check the channel\'s url and headers',
    );
  }

  private warnDropped(): void {
    this.droppedSinceWarning++;
    const now = this.options.now();
    if (now - this.lastDropWarning < 60_000) return;
    this.options.logger.warn({ dropped: this.droppedSinceWarning, max_pending: this.options.maxPending }, 'notifications dropped: too many waiting (a receiver is down or slow)');
    this.lastDropWarning = now;
    this.droppedSinceWarning = 0;
  }

  /** Deliveries queued, in flight or waiting for a retry. */
  get pendingDeliveries(): number {
    return this.pending;
  }

  /**
   * Stops: retries cancelled and jobs waiting for a token or a slot forgotten (their deliveries stay
   * pending, saved in the snapshot). Resolves when the requests in flight are done (the notifier
   * aborts them after its grace period).
   */
  stop(): Promise<unknown> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const meter of this.meters.values()) {
      clearTimeout(meter.timer);
      meter.timer = undefined;
      meter.held.length = 0;
    }
    this.queue.length = 0;
    this.pending = 0;
    return Promise.allSettled([...this.inFlightJobs]);
  }

  get inFlight(): number {
    return this.inFlightJobs.size;
  }
}
