import type { AlertRecord } from '../../common/federation/peer-messages.js';
import type { Alert } from '../notify/alert.js';

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** An alert of the notifier's history as the replicated alert log carries it. */
export function toAlertRecord(a: Alert): AlertRecord {
  return {
    id: a.id, type: a.type, service: a.service, key: a.key, severity: a.severity, class_name: cut(a.className, 4096), message: cut(a.message, 4096),
    total: a.total, created_at: a.createdAt, last_seen: a.lastSeen, regressed_at: a.regressedAt, fired_at: a.firedAt,
    deliveries: a.deliveries.slice(0, 64).map((d) => ({ channel: cut(d.channel, 256), status: d.status, attempts: Math.min(d.attempts, 1_000), last_error: cut(d.lastError, 4096), delivered_at: d.deliveredAt })),
  };
}

export function fromAlertRecord(r: AlertRecord): Alert {
  return {
    id: r.id, type: r.type, service: r.service, key: r.key, severity: r.severity, className: r.class_name, message: r.message,
    total: r.total, createdAt: r.created_at, lastSeen: r.last_seen, regressedAt: r.regressed_at, firedAt: r.fired_at,
    deliveries: r.deliveries.map((d) => ({ channel: d.channel, status: d.status, attempts: d.attempts, lastError: d.last_error, deliveredAt: d.delivered_at, endedAt: 0 })),
  };
}

/** FNV-1a, 32 bits: the same on every hub, so peers agree on an alert's owner. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The hub that sends an alert: its id's hash over the live hubs (this one and its connected peers), sorted. */
export function ownerOf(alertId: string, liveHubs: readonly string[]): string {
  const sorted = [...new Set(liveHubs)].sort();
  return sorted[hashId(alertId) % sorted.length] as string;
}
