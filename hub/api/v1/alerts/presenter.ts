import type { AlertView } from '../../../../common/api/v1.js';
import type { Alert } from '../../../notify/alert.js';
import { iso } from '../present.js';

/** An alert of the notifier's history as v1 shows it. */
export function toAlertView(a: Alert): AlertView {
  return {
    id: a.id,
    type: a.type,
    service: a.service,
    key: a.key,
    severity: a.severity,
    class: a.className,
    message: a.message,
    total_count: a.total,
    created_at: iso(a.createdAt),
    last_seen: iso(a.lastSeen),
    regressed_at: a.type === 'regressed' ? iso(a.regressedAt) : null,
    fired_at: iso(a.firedAt),
    deliveries: a.deliveries.map((d) => ({
      channel: d.channel, status: d.status, attempts: d.attempts, last_error: d.lastError === '' ? null : d.lastError, delivered_at: iso(d.deliveredAt), ended_at: iso(d.endedAt),
    })),
  };
}
