import { describe, expect, it } from 'vitest';
import { AlertmanagerNotificationSchema } from '../../../../common/config/notification.js';
import { alertId, type Alert } from '../../../../hub/notify/alert.js';
import { alertLabels, alertsEndpoint, postableAlert, PostableAlertSchema, STACK_LINES } from '../../../../hub/notify/alertmanager/postable.js';
import { occurrence } from '../../../helpers/builders.js';

const T = 1_700_000_000_000;
const config = AlertmanagerNotificationSchema.parse({ type: 'alertmanager', url: 'http://am:9093', labels: { team: 'payments', service: 'not-this' } });
const alert = (overrides: Partial<Alert> = {}): Alert => ({
  id: alertId('new', 'web', 'E@1', 0), type: 'new', service: 'web', key: 'E@1', severity: 'warning',
  className: 'TypeError', message: 'x is undefined', total: 3, createdAt: T - 60_000, lastSeen: T - 1_000,
  regressedAt: 0, firedAt: T, deliveries: [], ...overrides,
});
const hub = { hubId: 'hub-1', publicUrl: 'https://cn.example.com/' };

describe('the Alertmanager alert of a group', () => {
  it('carries the labels that identify it; the channel\'s extra labels cannot replace them', () => {
    expect(alertLabels(alert(), config, 'hub-1')).toEqual({
      team: 'payments', alertname: 'CrowsnestError', service: 'web', aggregation_key: 'E@1', severity: 'warning', event: 'new', hub: 'hub-1',
    });
    expect(alertLabels(alert({ type: 'regressed' }), { alertname: 'Errors', labels: {} }, 'h')).toMatchObject({ alertname: 'Errors', event: 'regressed' });
  });

  it('says what the error is in its annotations, links to the UI, and spans startsAt..endsAt', () => {
    const stack = Array.from({ length: 30 }, (_, i) => `at f${i} (a.js:${i})`);
    const sample = { ...occurrence('u1', T), chain: [{ class: 'TypeError', message: 'x is undefined', stacktrace: stack }] };
    const p = PostableAlertSchema.parse(postableAlert(alert(), { total: 7, lastSeen: T, sample }, { startsAt: T, endsAt: T + 240_000 }, config, hub));
    expect(p.annotations).toEqual({
      summary: 'New error in web: TypeError: x is undefined', class: 'TypeError', message: 'x is undefined', total: '7',
      first_seen: new Date(T - 60_000).toISOString(), last_seen: new Date(T).toISOString(), stack: stack.slice(0, STACK_LINES).join('\n'),
      api_path: '/api/v1/services/web/errors/E%401', ui_url: 'https://cn.example.com/#/web/errors/E%401',
    });
    expect(p).toMatchObject({ startsAt: new Date(T).toISOString(), endsAt: new Date(T + 240_000).toISOString(), generatorURL: 'https://cn.example.com/#/web/errors/E%401' });
  });

  it('has no generatorURL without a public URL, an end never before its start, and a regression\'s date', () => {
    const p = postableAlert(alert({ type: 'regressed', regressedAt: T - 5 }), { total: 0, lastSeen: 0, sample: undefined }, { startsAt: T, endsAt: T - 10 }, config, { hubId: 'h', publicUrl: undefined });
    expect(p.generatorURL).toBeUndefined();
    expect(p.annotations['ui_url']).toBeUndefined();
    expect(p.endsAt).toBe(p.startsAt);
    expect(p.annotations).toMatchObject({ regressed_at: new Date(T - 5).toISOString(), total: '3', stack: '', summary: 'Regressed error in web: TypeError: x is undefined' });
  });

  it('leaves unknown dates empty', () => {
    const p = postableAlert(alert({ createdAt: 0, lastSeen: 0 }), { total: 1, lastSeen: 0, sample: undefined }, { startsAt: T, endsAt: T }, config, hub);
    expect(p.annotations).toMatchObject({ first_seen: '', last_seen: '' });
  });

  it('cuts long texts', () => {
    const p = postableAlert(alert({ message: 'm'.repeat(10_000) }), { total: 1, lastSeen: T, sample: undefined }, { startsAt: T, endsAt: T }, config, hub);
    expect(p.annotations['message']?.length).toBeLessThanOrEqual(2_049);
    expect(p.annotations['summary']?.length).toBeLessThanOrEqual(513);
  });

  it('is posted to the v2 API under the base URL', () => {
    expect(alertsEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('https://am.example.com/prefix/')).toBe('https://am.example.com/prefix/api/v2/alerts');
  });
});
