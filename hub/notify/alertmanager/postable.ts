import { z } from 'zod';
import type { AlertmanagerNotificationConfig } from '../../../common/config/notification.js';
import type { Occurrence } from '../../../common/occurrence.js';
import type { Alert } from '../alert.js';
import { uiLink } from '../links.js';
import { apiPath } from '../payloads.js';

/**
 * One alert as Alertmanager's v2 API takes it (`POST /api/v2/alerts` takes an array of these; the
 * OpenAPI `postableAlert`). The only definition of this shape: the channel builds it, tests parse what
 * a real Alertmanager received. Times are RFC 3339; `endsAt` in the past resolves the alert.
 */
export const PostableAlertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  generatorURL: z.string().optional(),
});
export type PostableAlert = z.infer<typeof PostableAlertSchema>;

/** Stack lines of the newest sample's error shown in the `stack` annotation. */
export const STACK_LINES = 10;
const ANNOTATION_CHARS = 2_048;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}…`);
const iso = (ms: number): string => new Date(ms > 0 && ms < 8.64e15 ? ms : 0).toISOString();
/** A date for an annotation: '' when unknown. */
const when = (ms: number): string => (ms > 0 && ms < 8.64e15 ? new Date(ms).toISOString() : '');

/**
 * An alert's labels: the channel's extra labels, then the hub's own (which win): `alertname`,
 * `service`, `aggregation_key`, `severity`, `event` and `hub`. The labels identify the alert at
 * Alertmanager, so they never change while it is active.
 */
export function alertLabels(alert: Pick<Alert, 'type' | 'service' | 'key' | 'severity'>, config: Pick<AlertmanagerNotificationConfig, 'alertname' | 'labels'>, hubId: string): Record<string, string> {
  return {
    ...config.labels,
    alertname: config.alertname,
    service: alert.service,
    aggregation_key: alert.key,
    severity: alert.severity,
    event: alert.type,
    hub: hubId,
  };
}

/** What the annotations say: the error, its figures and dates, the top of its newest stack, links. */
export interface AlertFacts {
  readonly total: number;
  readonly lastSeen: number;
  readonly sample: Occurrence | undefined;
}

/**
 * The postable alert for one of the channel's alerts: active until `endsAt` (a few re-send intervals
 * ahead while it is active, now when it is over). `generatorURL` is the error's page in the UI when
 * `publicUrl` is set.
 * Example: a new group in "web" gets labels {alertname: "CrowsnestError", service: "web", event: "new", ...}.
 */
export function postableAlert(
  alert: Alert,
  facts: AlertFacts,
  span: { readonly startsAt: number; readonly endsAt: number },
  config: Pick<AlertmanagerNotificationConfig, 'alertname' | 'labels'>,
  hub: { readonly hubId: string; readonly publicUrl: string | undefined },
): PostableAlert {
  const link = uiLink(hub.publicUrl, alert.service, alert.key);
  const what = alert.className === '' ? alert.message : alert.message === '' ? alert.className : `${alert.className}: ${alert.message}`;
  const verb = alert.type === 'new' ? 'New error' : 'Regressed error';
  const stack = facts.sample?.chain[0]?.stacktrace?.slice(0, STACK_LINES) ?? [];
  const annotations: Record<string, string> = {
    summary: cut(`${verb} in ${alert.service}${what === '' ? '' : `: ${what}`}`, 512),
    class: cut(alert.className, ANNOTATION_CHARS),
    message: cut(alert.message, ANNOTATION_CHARS),
    total: String(Math.max(facts.total, alert.total)),
    first_seen: when(alert.createdAt),
    last_seen: when(Math.max(facts.lastSeen, alert.lastSeen)),
    stack: cut(stack.join('\n'), ANNOTATION_CHARS),
    api_path: apiPath(alert),
  };
  if (alert.type === 'regressed') annotations['regressed_at'] = when(alert.regressedAt);
  if (link !== null) annotations['ui_url'] = link;
  return {
    labels: alertLabels(alert, config, hub.hubId),
    annotations,
    startsAt: iso(span.startsAt),
    endsAt: iso(Math.max(span.endsAt, span.startsAt)),
    ...(link === null ? {} : { generatorURL: link }),
  };
}

/** The v2 endpoint under an Alertmanager base URL. Example: 'http://am:9093/' -> 'http://am:9093/api/v2/alerts'. */
export function alertsEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
}
