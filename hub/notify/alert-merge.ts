import type { Alert, Delivery } from './alert.js';

/**
 * Takes a peer's deliveries of an alert into the held one (hub/peers: the replicated alert log). A
 * peer's "delivered" wins over anything held here: this hub then never sends that channel the alert.
 * A peer's failure or drop changes nothing held here (this hub still sends when its turn comes: at
 * least once); a channel the held alert does not list is added as the peer reports it. Returns the
 * channels that became delivered (notifications held back) and whether anything changed.
 */
export function mergeDeliveries(held: Alert, remote: readonly Delivery[]): { delivered: number; changed: boolean } {
  let delivered = 0;
  let changed = false;
  for (const r of remote) {
    const d = held.deliveries.find((x) => x.channel === r.channel);
    if (d === undefined) {
      if (held.deliveries.length >= 64) continue;
      held.deliveries.push({ ...r });
      changed = true;
    } else if (r.status === 'delivered' && d.status !== 'delivered') {
      if (d.status === 'pending') delivered++;
      d.status = 'delivered';
      d.deliveredAt = r.deliveredAt;
      d.lastError = '';
      changed = true;
    }
  }
  return { delivered, changed };
}
