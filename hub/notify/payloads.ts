import type { SlackPayload, WebhookDigest, WebhookPayload } from './webhook-schema.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { Alert } from './alert.js';
import { uiLink } from './links.js';

const iso = (ms: number): string | null => (ms > 0 && ms < 8.64e15 ? new Date(ms).toISOString() : null);

/** The group's path in the hub's API v1. */
export function apiPath(alert: Pick<Alert, 'service' | 'key'>): string {
  return `/api/v1/services/${encodeURIComponent(alert.service)}/errors/${encodeURIComponent(alert.key)}`;
}

/** The generic webhook body for an alert, with the group's newest sample when the hub holds one. */
export function webhookPayload(alert: Alert, hubId: string, sample: Occurrence | undefined, publicUrl?: string): WebhookPayload {
  return {
    id: alert.id,
    event: alert.type,
    hub: hubId,
    service: alert.service,
    key: alert.key,
    severity: alert.severity,
    class: alert.className,
    message: alert.message,
    total_count: alert.total,
    created_at: iso(alert.createdAt),
    last_seen: iso(alert.lastSeen),
    regressed_at: alert.type === 'regressed' ? iso(alert.regressedAt) : null,
    fired_at: iso(alert.firedAt) ?? new Date(0).toISOString(),
    api_path: apiPath(alert),
    ui_url: uiLink(publicUrl, alert.service, alert.key),
    sample: sample === undefined ? null : { uuid: sample.uuid, timestamp: iso(sample.timestamp), chain: sample.chain, http: sample.http },
  };
}

/** Slack's three characters to escape in mrkdwn text. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}…`);

/** Where a Slack line points: a link to the UI when the hub has a public URL, else the API path. */
function slackWhere(alert: Alert, publicUrl: string | undefined): string {
  const link = uiLink(publicUrl, alert.service, alert.key);
  return link === null ? slackEscape(apiPath(alert)) : `<${slackEscape(link)}|open in Crowsnest>`;
}

/**
 * The Slack-compatible body: one mrkdwn message, linking to the error's page when `publicUrl` is set.
 * Example: ":new: *New error* in *checkout* (error) ...".
 */
export function slackPayload(alert: Alert, hubId: string, publicUrl?: string): SlackPayload {
  const title = alert.type === 'new' ? ':new: *New error*' : ':leftwards_arrow_with_hook: *Regressed error*';
  const what = alert.className === '' && alert.message === '' ? '' : `\n*${slackEscape(cut(alert.className, 200))}*${alert.message === '' ? '' : `: ${slackEscape(cut(alert.message, 500))}`}`;
  const count = `${alert.total} occurrence${alert.total === 1 ? '' : 's'}`;
  return {
    text: `${title} in *${slackEscape(alert.service)}* (${alert.severity})${what}\n\`${slackEscape(cut(alert.key, 300))}\` · ${count} · hub ${slackEscape(hubId)} · ${slackWhere(alert, publicUrl)}`,
  };
}

/** Alerts listed by name in a digest; the rest are counted. */
export const DIGEST_LIST = 50;

/** A digest's id: its first alert's id and how many it holds (a retry of it carries the same). */
export function digestId(alerts: readonly Alert[]): string {
  return `digest:${alerts[0]?.id ?? ''}+${alerts.length}`;
}

/** The generic webhook body for alerts held back by the channel's max_per_minute. */
export function webhookDigest(alerts: readonly Alert[], hubId: string, now: number, publicUrl?: string): WebhookDigest {
  return {
    id: digestId(alerts),
    event: 'digest',
    hub: hubId,
    count: alerts.length,
    alerts: alerts.slice(0, DIGEST_LIST).map((a) => ({
      id: a.id, event: a.type, service: a.service, key: a.key, severity: a.severity, class: a.className, message: a.message, total_count: a.total, api_path: apiPath(a), ui_url: uiLink(publicUrl, a.service, a.key),
    })),
    fired_at: iso(now) ?? new Date(0).toISOString(),
  };
}

/** The Slack body for a digest: a count and one line per alert (at most 10), then where to see the rest. */
export function slackDigest(alerts: readonly Alert[], hubId: string, publicUrl?: string): SlackPayload {
  const lines = alerts.slice(0, 10).map((a) => {
    const what = a.className === '' ? '' : `: *${slackEscape(cut(a.className, 100))}*${a.message === '' ? '' : ` ${slackEscape(cut(a.message, 150))}`}`;
    const link = uiLink(publicUrl, a.service, a.key);
    return `• ${a.type === 'new' ? 'New' : 'Regressed'} in *${slackEscape(a.service)}* (${a.severity})${what}${link === null ? '' : ` <${slackEscape(link)}|open>`}`;
  });
  const more = alerts.length > 10 ? `\n… and ${alerts.length - 10} more` : '';
  return { text: `:rotating_light: *${alerts.length} alerts* at once (hub ${slackEscape(hubId)}; all at /api/v1/alerts)\n${lines.join('\n')}${more}` };
}
