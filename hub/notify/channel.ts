import type { NotificationConfig } from '../../common/config/schema.js';
import type { Alert } from './alert.js';

/** What happened to one delivery attempt, for `crowsnest_hub_notifications_total{result}`. */
export type DeliveryResult = 'delivered' | 'retried' | 'failed' | 'dropped';

/** A configured notification channel with its display name. Lives as long as the notifier. */
export interface Channel<C extends NotificationConfig = NotificationConfig> {
  readonly name: string;
  readonly config: C;
}

/**
 * Names channels for the history: the configured `name`, else "<type> <host>" (never the URL, whose
 * path may hold a secret, as Slack's does); repeated names get " #2", " #3".
 */
export function namedChannels(configs: readonly NotificationConfig[]): Channel[] {
  const used = new Map<string, number>();
  return configs.map((config) => {
    let base = config.name;
    if (base === undefined) {
      let host = '?';
      try {
        host = new URL(config.url).host;
      } catch {
        // validated by the config schema; keep '?' for a URL URL() still refuses
      }
      base = `${config.type} ${host}`;
    }
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { name: n === 1 ? base : `${base} #${n}`, config };
  });
}

/** Whether a channel wants an alert: its event type, service and severity filters (absent: all). */
export function channelWants(channel: Channel, alert: Pick<Alert, 'type' | 'service' | 'severity'>): boolean {
  const c = channel.config;
  if (!c.events.includes(alert.type)) return false;
  if (c.services !== undefined && !c.services.includes(alert.service)) return false;
  if (c.severities !== undefined && !c.severities.includes(alert.severity)) return false;
  return true;
}
