import { z } from 'zod';
import { DurationSchema } from './durations.js';

/**
 * Where users open the hub's UI (`hub.public_url`), e.g. "https://crowsnest.example.com/": every
 * notification links to the error's page under it. No fragment (the UI's routes are fragments) and
 * none of the characters a Slack link or an Alertmanager template would break on.
 */
export const PublicUrlSchema = z
  .string()
  .regex(/^https?:\/\/[^\s#<>|"'`\\]+$/, 'expected an http:// or https:// URL without a #fragment');

const HttpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL');
const Filters = {
  services: z.array(z.string()).optional(),
  severities: z.array(z.enum(['info', 'warning', 'error'])).optional(),
  events: z.array(z.enum(['new', 'regressed'])).default(['new', 'regressed']),
};
const Delivery = {
  /** Shown in the alert history instead of the URL (which may hold a secret); default "<type> <host>". */
  name: z.string().min(1).max(128).optional(),
  /** Extra request headers, e.g. `Authorization: Bearer ${WEBHOOK_TOKEN}`. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name'), z.string()).default({}),
  /** Per attempt, connection to last byte. */
  timeout: DurationSchema.default(10_000),
  /** Attempts per notification before it is marked failed (retried on network errors, 408, 429, 5xx). */
  max_attempts: z.number().int().min(1).max(20).default(6),
  /** First retry delay; doubles per attempt (full jitter), capped at retry_max. */
  retry_backoff: DurationSchema.default(1_000),
  retry_max: DurationSchema.default(60_000),
};

/**
 * A generic JSON webhook or a Slack-compatible incoming webhook (DESIGN section 5), told about new and
 * regressed groups that pass its filters (absent filter: everything).
 */
export const HookNotificationSchema = z.strictObject({
  type: z.enum(['webhook', 'slack']),
  url: HttpUrl,
  ...Filters,
  ...Delivery,
  /** Notifications sent per minute at most; beyond it, alerts are grouped into one digest message. */
  max_per_minute: z.number().int().min(1).max(10_000).default(30),
});
export type HookNotificationConfig = z.infer<typeof HookNotificationSchema>;

/** Labels with Prometheus label names (Alertmanager refuses others). */
const Labels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a label name: letters, digits and _, not starting with a digit' });
  }
});

/**
 * An Alertmanager (its base URL; the hub posts to `{url}/api/v2/alerts`): one alert per new or
 * regressed group that passes the filters, active while the group is open and occurred within
 * `window`, re-sent every `resend_interval`. For an Alertmanager cluster, list each instance.
 */
export const AlertmanagerNotificationSchema = z.strictObject({
  type: z.literal('alertmanager'),
  url: HttpUrl,
  ...Filters,
  ...Delivery,
  /** The `alertname` label of every alert. */
  alertname: z.string().min(1).max(256).default('CrowsnestError'),
  /** Extra labels on every alert (e.g. `team: payments`); cannot replace the hub's own. */
  labels: Labels.default({}),
  /** An alert stays active while its group is open and occurred within this long. */
  window: DurationSchema.refine((ms) => ms >= 1_000, 'expected at least 1s').default(3_600_000),
  /** Active alerts are re-sent this often, each with an end 4 intervals ahead. */
  resend_interval: DurationSchema.refine((ms) => ms >= 100, 'expected at least 100ms').default(60_000),
});
export type AlertmanagerNotificationConfig = z.infer<typeof AlertmanagerNotificationSchema>;

/** One entry of `hub.notifications`. */
export const NotificationSchema = z.discriminatedUnion('type', [HookNotificationSchema, AlertmanagerNotificationSchema]);
export type NotificationConfig = z.infer<typeof NotificationSchema>;
