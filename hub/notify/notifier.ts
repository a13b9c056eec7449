import type { Logger } from 'pino';
import type { AlertmanagerNotificationConfig, HookNotificationConfig } from '../../common/config/notification.js';
import type { NotificationConfig } from '../../common/config/schema.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { HubGroup } from '../state/group.js';
import type { StateEvent } from '../state/hub-state.js';
import { type Alert, type AlertType, alertId, type Delivery, firstSeen, headlineOf, type SavedNotify } from './alert.js';
import { AlertmanagerChannel } from './alertmanager/am-channel.js';
import { type Channel, channelWants, type DeliveryResult, namedChannels } from './channel.js';
import { HookDelivery } from './hook-delivery.js';
import { mergeDeliveries } from './alert-merge.js';
import { HttpSender, type SendFn } from './send.js';

export type { DeliveryResult } from './channel.js';

export interface NotifierOptions {
  readonly channels: readonly NotificationConfig[];
  readonly hubId: string;
  readonly logger: Logger;
  /** `hub.public_url`: notifications link to the error's page in the UI under it. */
  readonly publicUrl?: string;
  /** The group's newest sample when sending (from the hub state). */
  readonly sampleOf?: (service: string, key: string) => Occurrence | undefined;
  /** The group as the hub state holds it now (Alertmanager channels follow it to resolve alerts). */
  readonly groupOf?: (service: string, key: string) => HubGroup | undefined;
  /** What the notifier saved in the last snapshot (absent: a first start of this data_dir). */
  readonly saved?: SavedNotify;
  readonly onResult?: (result: DeliveryResult) => void;
  /** After each post to an Alertmanager channel: whether it was taken, and its active alerts. */
  readonly onAlertmanagerPost?: (channel: string, ok: boolean, active: number) => void;
  /** Alerts kept in the history (newest first at /api/v1/alerts). */
  readonly historySize?: number;
  /** Deliveries waiting (queued, in flight or between retries); more are dropped and counted. */
  readonly maxPending?: number;
  /** Deliveries in flight at once. */
  readonly concurrency?: number;
  readonly send?: SendFn;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Peers (hub/peers): how long to hold an alert's deliveries (0: send now), and every change of one. */
  readonly peers?: NotifyPeers;
}

/** What the notifier asks of the peering (`hub.peers`): the replicated alert log and its ownership. */
export interface NotifyPeers {
  /** 0 when this hub owns the alert; else how long to wait for the owner's delivery record. */
  holdMs(alert: Alert): number;
  /** An alert fired, was absorbed, or one of its deliveries changed. */
  changed(alert: Alert): void;
  /** Deliveries not made because a peer delivered them. */
  heldBack(n: number): void;
  /** The moment that names a group's regression alike on every peer (undefined: its own regressedAt). */
  regressionStamp(service: string, key: string): number | undefined;
}

const DEFAULTS = { historySize: 1_000, maxPending: 1_000, concurrency: 4 } as const;
const MESSAGE_CHARS = 1_024;

const isHook = (c: Channel): c is Channel<HookNotificationConfig> => c.config.type !== 'alertmanager';

/** Forgotten groups remembered so their return is announced; beyond, the oldest are let go. */
const FORGOTTEN_REMEMBERED = 100_000;

const groupRef = (g: HubGroup): string => `${g.service}\u0000${g.key}`;

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
export class Notifier {
  /** Groups first seen before this moment (ms) are never announced as new. */
  readonly epoch: number;
  readonly channels: readonly Channel[];
  private readonly byName: Map<string, Channel>;
  private readonly hooks: HookDelivery;
  /** The Alertmanager channels, by channel name. */
  readonly alertmanagers = new Map<string, AlertmanagerChannel>();
  private readonly history = new Map<string, Alert>();
  /** Groups retention or max_groups forgot (service NUL key), until they come back. */
  private readonly forgotten = new Set<string>();
  private readonly listeners: ((alert: Alert) => void)[] = [];
  private readonly abort = new AbortController();
  private readonly sender: HttpSender | undefined;
  private readonly now: () => number;
  private readonly historySize: number;
  /** Alerts held for a peer's delivery record (hub.peers), cleared on close. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: NotifierOptions) {
    this.now = options.now ?? Date.now;
    this.historySize = options.historySize ?? DEFAULTS.historySize;
    this.channels = namedChannels(options.channels);
    this.byName = new Map(this.channels.map((c) => [c.name, c]));
    if (options.send === undefined) this.sender = new HttpSender();
    const send = options.send ?? (this.sender as HttpSender).send;
    const common = { hubId: options.hubId, publicUrl: options.publicUrl, logger: options.logger, send, signal: this.abort.signal, now: this.now, random: options.random, onResult: options.onResult };
    this.hooks = new HookDelivery(this.channels.filter(isHook), {
      ...common, sampleOf: options.sampleOf, ...(options.peers === undefined ? {} : { onSettled: (a: Alert) => options.peers?.changed(a) }), maxPending: options.maxPending ?? DEFAULTS.maxPending, concurrency: options.concurrency ?? DEFAULTS.concurrency,
    });
    for (const c of this.channels) {
      if (isHook(c)) continue;
      this.alertmanagers.set(c.name, new AlertmanagerChannel(c as Channel<AlertmanagerNotificationConfig>, {
        ...common, groupOf: options.groupOf ?? (() => undefined), maxTracked: this.historySize,
        ...(options.onAlertmanagerPost === undefined ? {} : { onPost: options.onAlertmanagerPost }),
      }));
    }
    this.epoch = options.saved?.epoch ?? this.now();
    const saved = options.saved?.alerts ?? [];
    for (const alert of saved.slice(Math.max(0, saved.length - this.historySize))) this.history.set(alert.id, alert);
    // Notifications still pending when the hub stopped are sent now; Alertmanager channels take back
    // every alert whose group is still open (re-sent until it is over).
    for (const alert of this.history.values()) {
      for (const d of alert.deliveries) {
        if (d.status === 'pending' || this.alertmanagers.has(d.channel)) this.enqueue(alert, d);
      }
    }
  }

  /** Called with every alert fired (e.g. the live stream). */
  onAlert(listener: (alert: Alert) => void): void {
    this.listeners.push(listener);
  }

  /** The hub state's listener: turns group events into alerts. Never throws, never waits. */
  handle(e: StateEvent): void {
    if (e.type === 'source' || this.closed) return;
    if (e.type === 'forgotten') return this.rememberForgotten(e.group);
    for (const am of this.alertmanagers.values()) am.groupChanged(e.group, e.type === 'group' && e.grew > 0);
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
    const id = alertId(type, group.service, group.key, this.options.peers?.regressionStamp(group.service, group.key) ?? group.regressedAt, returnedAt);
    if (this.history.has(id)) return;
    const { className, message } = headlineOf(group);
    const alert: Alert = {
      id, type, service: group.service, key: group.key, severity: group.severity, className,
      message: message.length > MESSAGE_CHARS ? message.slice(0, MESSAGE_CHARS) : message,
      total: group.total, createdAt: group.createdAt, lastSeen: group.lastSeen, regressedAt: group.regressedAt, firedAt: this.now(),
      deliveries: this.channels.filter((c) => channelWants(c, { type, service: group.service, severity: group.severity }))
        .map((c) => ({ channel: c.name, status: 'pending', attempts: 0, lastError: '', deliveredAt: 0, endedAt: 0 })),
    };
    this.history.set(id, alert);
    if (this.history.size > this.historySize) this.history.delete(this.history.keys().next().value as string);
    this.options.logger.info({ alert: id, type, service: group.service, key: group.key, severity: group.severity, channels: alert.deliveries.map((d) => d.channel) }, type === 'new' ? 'new error group' : 'error group regressed');
    this.dispatch(alert);
    for (const listener of this.listeners) listener(alert);
  }

  /** Sends an alert's pending deliveries now, or, when a peer owns it, after its grace unless the peer delivered them. */
  private dispatch(alert: Alert): void {
    const hold = this.options.peers?.holdMs(alert) ?? 0;
    const send = () => {
      for (const d of alert.deliveries) if (d.status === 'pending' && d.attempts === 0 && this.byName.has(d.channel)) this.enqueue(alert, d);
    };
    this.options.peers?.changed(alert);
    if (hold <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) send();
    }, hold);
    timer.unref();
    this.timers.add(timer);
  }

  /** An alert from a peer's log: kept (one history on every peer), merged into the held one, or held like a non-owner's. */
  absorb(remote: Alert): void {
    if (this.closed) return;
    const held = this.history.get(remote.id);
    if (held !== undefined) {
      const { delivered, changed } = mergeDeliveries(held, remote.deliveries);
      if (delivered > 0) this.options.peers?.heldBack(delivered);
      if (changed) this.options.peers?.changed(held);
      return;
    }
    const mine = this.channels.filter((c) => channelWants(c, remote) && !remote.deliveries.some((d) => d.channel === c.name));
    const alert: Alert = { ...remote, deliveries: [...remote.deliveries.map((d) => ({ ...d, attempts: d.status === 'pending' ? 0 : d.attempts })), ...mine.map((c): Delivery => ({ channel: c.name, status: 'pending', attempts: 0, lastError: '', deliveredAt: 0, endedAt: 0 }))] };
    this.history.set(alert.id, alert);
    if (this.history.size > this.historySize) this.history.delete(this.history.keys().next().value as string);
    this.dispatch(alert);
    for (const listener of this.listeners) listener(alert);
  }

  private enqueue(alert: Alert, delivery: Delivery): void {
    const channel = this.byName.get(delivery.channel);
    if (channel === undefined) {
      if (delivery.status === 'pending') {
        delivery.status = 'failed';
        delivery.lastError = 'the channel is no longer configured';
      }
      return;
    }
    const am = this.alertmanagers.get(channel.name);
    if (am !== undefined) am.track(alert, delivery);
    else if (isHook(channel) && delivery.status === 'pending') this.hooks.enqueue(channel, alert, delivery);
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

  /** Webhook and Slack deliveries queued, in flight or waiting for a retry. */
  get pendingDeliveries(): number {
    return this.hooks.pendingDeliveries;
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
    for (const t of this.timers) clearTimeout(t);
    for (const am of this.alertmanagers.values()) am.close();
    const inFlight = Promise.all([this.hooks.stop(), ...[...this.alertmanagers.values()].map((am) => am.settled())]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inFlight, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.abort.abort();
    await inFlight;
    await this.sender?.close();
  }
}
