import { describe, expect, it } from 'vitest';
import { SlackPayloadSchema, WebhookPayloadSchema } from '../../../hub/notify/webhook-schema.js';
import type { Alert } from '../../../hub/notify/alert.js';
import { alertId } from '../../../hub/notify/alert.js';
import { namedChannels } from '../../../hub/notify/channel.js';
import { slackEscape, slackPayload, webhookPayload } from '../../../hub/notify/payloads.js';
import { NotificationSchema } from '../../../common/config/schema.js';

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  id: alertId('regressed', 'check out', 'a/b@1', 1_700_000_000_000), type: 'regressed', service: 'check out', key: 'a/b@1', severity: 'error',
  className: 'TypeError', message: 'x < y & z', total: 12, createdAt: 1_600_000_000_000, lastSeen: 1_700_000_000_000,
  regressedAt: 1_700_000_000_000, firedAt: 1_700_000_000_500, deliveries: [], ...overrides,
});

describe('notification payloads', () => {
  it('builds the webhook payload, with the API path percent-encoded', () => {
    const p = WebhookPayloadSchema.parse(webhookPayload(alert(), 'hub-1', undefined));
    expect(p).toMatchObject({
      id: 'regressed:check%20out/a%2Fb%401@1700000000000', event: 'regressed', regressed_at: '2023-11-14T22:13:20.000Z',
      api_path: '/api/v1/services/check%20out/errors/a%2Fb%401', sample: null, total_count: 12,
    });
  });

  it('escapes Slack mrkdwn control characters', () => {
    expect(slackEscape('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    const p = SlackPayloadSchema.parse(slackPayload(alert(), 'hub-1'));
    expect(p.text).toContain('*TypeError*: x &lt; y &amp; z');
    expect(p.text).toContain('12 occurrences');
    expect(p.text).not.toMatch(/<|>/);
  });
});

describe('namedChannels', () => {
  it('names a channel by its name, else by type and host, never by the URL path', () => {
    const cs = namedChannels([
      NotificationSchema.parse({ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/secret' }),
      NotificationSchema.parse({ type: 'slack', url: 'https://hooks.slack.com/services/T1/B1/secret' }),
      NotificationSchema.parse({ type: 'webhook', url: 'http://h/x', name: 'pager' }),
    ]);
    expect(cs.map((c) => c.name)).toEqual(['slack hooks.slack.com', 'slack hooks.slack.com #2', 'pager']);
  });
});
