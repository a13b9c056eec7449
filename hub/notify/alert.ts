import { z } from 'zod';
import { SeveritySchema } from '../../common/severity.js';
import type { HubGroup } from '../state/group.js';

export const AlertTypeSchema = z.enum(['new', 'regressed']);
export type AlertType = z.infer<typeof AlertTypeSchema>;

/** Where one alert stands at one channel. */
export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed', 'dropped']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** One alert's delivery to one channel (by the channel's name, which survives config edits). */
export const DeliverySchema = z.object({
  channel: z.string(),
  status: DeliveryStatusSchema,
  attempts: z.number().int().nonnegative(),
  /** Why the last attempt failed ('' when none did). */
  lastError: z.string(),
  /** ms since the epoch; 0 until delivered. */
  deliveredAt: z.number(),
  /** Alertmanager channels: when Alertmanager was last told the alert ended (ms; 0 while active or never). */
  endedAt: z.number().default(0),
});
export type Delivery = z.infer<typeof DeliverySchema>;

/**
 * A new or regressed group, as the notifier fired it: what the history shows and what the channels
 * are sent (the newest sample is read from the state when sending, not kept here). Owned by the
 * notifier's history; lives until the history's bound pushes it out, and across restarts in the
 * snapshot (hence a schema: a snapshot is read back through it).
 */
export const AlertSchema = z.object({
  id: z.string(),
  type: AlertTypeSchema,
  service: z.string(),
  key: z.string(),
  severity: SeveritySchema,
  className: z.string(),
  message: z.string(),
  total: z.number(),
  createdAt: z.number(),
  lastSeen: z.number(),
  regressedAt: z.number(),
  /** When the hub fired it (ms). */
  firedAt: z.number(),
  deliveries: z.array(DeliverySchema),
});
export type Alert = z.infer<typeof AlertSchema>;

/**
 * An alert's id: the same group's "new" has one id forever; each regression has its own (the moment it
 * regressed). Percent-encoded, so any service or key gives a safe, unambiguous id.
 * Example: alertId('new', 'web', 'E@1', 0) === 'new:web/E%401'.
 */
export function alertId(type: AlertType, service: string, key: string, regressedAt: number, returnedAt = 0): string {
  const base = `${type}:${encodeURIComponent(service)}/${encodeURIComponent(key)}`;
  if (type === 'regressed') return `${base}@${regressedAt}`;
  // A group forgotten by retention or max_groups that comes back is new again, once per return.
  return returnedAt > 0 ? `${base}@${returnedAt}` : base;
}

/** The headline of a group: its kept headline, else its newest sample's error. */
export function headlineOf(group: HubGroup): { className: string; message: string } {
  const h = group.headline ?? group.samples[0]?.chain[0];
  return { className: h?.class ?? '', message: h?.message ?? '' };
}

/** When a group was first seen, for the announce-only-after-the-epoch rule: created_at, else last_seen. */
export function firstSeen(group: HubGroup): number {
  if (group.createdAt > 0) return group.createdAt;
  if (group.lastSeen > 0) return group.lastSeen;
  return Number.POSITIVE_INFINITY;
}

/**
 * What the notifier keeps in the hub's snapshot: since when it announces new groups (the first start
 * of this data_dir) and its history, undelivered notifications included (sent after a restart).
 */
export const SavedNotifySchema = z.object({ epoch: z.number(), alerts: z.array(AlertSchema) });
export type SavedNotify = z.infer<typeof SavedNotifySchema>;

/** Reads the notifier's part of a snapshot; undefined (a fresh start) when absent or unreadable. */
export function readSavedNotify(value: unknown): SavedNotify | undefined {
  const r = SavedNotifySchema.safeParse(value);
  return r.success ? r.data : undefined;
}
