import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHash } from '../../../ui/src/routing/routes.js';
import { alertId, type Alert } from '../../../hub/notify/alert.js';
import { uiLink } from '../../../hub/notify/links.js';
import { slackDigest, slackPayload, webhookDigest, webhookPayload } from '../../../hub/notify/payloads.js';
import { SlackPayloadSchema, WebhookDigestSchema, WebhookPayloadSchema } from '../../../hub/notify/webhook-schema.js';

const PUBLIC = 'https://crowsnest.example.com/';
const alert = (overrides: Partial<Alert> = {}): Alert => ({
  id: alertId('new', 'check out', 'a/b@1', 0), type: 'new', service: 'check out', key: 'a/b@1', severity: 'error',
  className: 'TypeError', message: 'boom', total: 3, createdAt: 1_700_000_000_000, lastSeen: 1_700_000_000_000,
  regressedAt: 0, firedAt: 1_700_000_000_500, deliveries: [], ...overrides,
});

describe('uiLink', () => {
  it('is the Periskop deep link under public_url, service and key percent-encoded', () => {
    expect(uiLink(PUBLIC, 'check out', 'a/b@1')).toBe('https://crowsnest.example.com/#/check%20out/errors/a%2Fb%401');
    expect(uiLink('https://ops.example.com/crowsnest/', 'web', 'E')).toBe('https://ops.example.com/crowsnest/#/web/errors/E');
    expect(uiLink(undefined, 'web', 'E')).toBeNull();
  });

  it('opens the same service and key in the UI, whatever they hold', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((s) => s !== '-'), fc.string({ minLength: 1 }), (service, key) => {
      const link = uiLink(PUBLIC, service, key) as string;
      const url = new URL(link);
      expect(url.origin + url.pathname).toBe('https://crowsnest.example.com/');
      expect(parseHash(url.hash)).toEqual({ view: 'error', service, key });
    }));
  });
});

describe('notifications link into the UI when hub.public_url is set', () => {
  it('puts ui_url in the webhook payload and in each alert of a digest', () => {
    expect(WebhookPayloadSchema.parse(webhookPayload(alert(), 'hub-1', undefined, PUBLIC)).ui_url).toBe('https://crowsnest.example.com/#/check%20out/errors/a%2Fb%401');
    expect(WebhookPayloadSchema.parse(webhookPayload(alert(), 'hub-1', undefined)).ui_url).toBeNull();
    const digest = WebhookDigestSchema.parse(webhookDigest([alert(), alert({ key: 'k2' })], 'hub-1', 0, PUBLIC));
    expect(digest.alerts.map((a) => a.ui_url)).toEqual(['https://crowsnest.example.com/#/check%20out/errors/a%2Fb%401', 'https://crowsnest.example.com/#/check%20out/errors/k2']);
  });

  it('gives Slack a link, and the API path without a public URL', () => {
    const text = SlackPayloadSchema.parse(slackPayload(alert(), 'hub-1', PUBLIC)).text;
    expect(text).toContain('<https://crowsnest.example.com/#/check%20out/errors/a%2Fb%401|open in Crowsnest>');
    expect(text).not.toContain('/api/v1/');
    expect(slackPayload(alert(), 'hub-1').text).toContain('/api/v1/services/check%20out/errors/a%2Fb%401');
    expect(slackDigest([alert(), alert({ key: 'k2' })], 'hub-1', PUBLIC).text).toContain('<https://crowsnest.example.com/#/check%20out/errors/k2|open>');
  });

  it('escapes an & of the public URL in a Slack link', () => {
    expect(slackPayload(alert(), 'hub-1', 'https://x.example.com/?a=1&b=2').text).toContain('<https://x.example.com/?a=1&amp;b=2#/check%20out/errors/a%2Fb%401|open in Crowsnest>');
  });
});
