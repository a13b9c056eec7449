import { z } from 'zod';
import { AlertSchema } from '../../common/api/v1.js';

/**
 * What a hub POSTs to a generic JSON webhook (`hub.notifications`, `type: webhook`) when a group is new
 * or regressed (DESIGN section 5). The only definition of this shape: the hub's notifier builds it,
 * receivers and tests parse it. The same notification retried carries the same `id` (also in the
 * `X-Crowsnest-Alert-Id` header), so a receiver can drop repeats. Times are ISO 8601 (UTC), null when
 * unknown.
 */
export const WebhookPayloadSchema = z.object({
  /** Stable per notification: `new:<service>/<key>` or `regressed:<service>/<key>@<regressed_at ms>`, percent-encoded. */
  id: z.string(),
  event: z.enum(['new', 'regressed']),
  /** The hub that fired it. */
  hub: z.string(),
  /** The group as the API's alert history shows it (class and message '' when unknown). */
  ...AlertSchema.pick({
    service: true, key: true, severity: true, class: true, message: true, total_count: true, created_at: true, last_seen: true, regressed_at: true,
  }).shape,
  /** When the hub noticed it. */
  fired_at: z.string(),
  /** The group in the hub's API: `/api/v1/services/{service}/errors/{key}` (a path: see `ui_url` for a full link). */
  api_path: z.string(),
  /** The error's page in the UI, `{hub.public_url}#/{service}/errors/{key}` (percent-encoded); null when the hub has no `public_url`. */
  ui_url: z.string().nullable(),
  /** The newest occurrence: its cause chain (the error itself first, stack lines newest frame first) and HTTP request. */
  sample: z
    .object({
      uuid: z.string(),
      timestamp: z.string().nullable(),
      chain: z.array(z.object({ class: z.string(), message: z.string(), stacktrace: z.array(z.string()).nullable() })),
      http: z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()).nullable(), body: z.string() }).nullable(),
    })
    .nullable(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** A Slack-compatible incoming webhook message (`type: slack`; Slack, Mattermost, Rocket.Chat): mrkdwn text. */
export const SlackPayloadSchema = z.object({ text: z.string() });
export type SlackPayload = z.infer<typeof SlackPayloadSchema>;

/** One alert as a digest lists it. */
export const WebhookDigestItemSchema = WebhookPayloadSchema.pick({
  id: true, event: true, service: true, key: true, severity: true, class: true, message: true, total_count: true, api_path: true, ui_url: true,
});

/**
 * What a generic webhook receives instead of single notifications when more alerts fire than the
 * channel's `max_per_minute`: the alerts held back since the last message, in one body (`count` of
 * them; `alerts` lists at most 50, newest last).
 */
export const WebhookDigestSchema = z.object({
  id: z.string(),
  event: z.literal('digest'),
  hub: z.string(),
  count: z.number().int(),
  alerts: z.array(WebhookDigestItemSchema),
  fired_at: z.string(),
});
export type WebhookDigest = z.infer<typeof WebhookDigestSchema>;

/** Any body a generic webhook receives. */
export const WebhookBodySchema = z.union([WebhookPayloadSchema, WebhookDigestSchema]);
export type WebhookBody = z.infer<typeof WebhookBodySchema>;
