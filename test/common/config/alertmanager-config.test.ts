import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../common/config/load.js';

const yaml = (lines: string[]) => lines.join('\n') + '\n';
function problemsOf(text: string): string {
  try {
    parseConfig(text, 'crowsnest.yaml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('hub.notifications of type alertmanager', () => {
  it('reads a channel with its defaults', () => {
    const c = parseConfig(yaml(['hub:', '  notifications:', '    - { type: alertmanager, url: "http://alertmanager:9093" }']), 'c.yaml', {});
    expect(c.hub?.notifications).toEqual([{
      type: 'alertmanager', url: 'http://alertmanager:9093', events: ['new', 'regressed'], headers: {}, timeout: 10_000, max_attempts: 6,
      retry_backoff: 1_000, retry_max: 60_000, alertname: 'CrowsnestError', labels: {}, window: 3_600_000, resend_interval: 60_000,
    }]);
  });

  it('reads its own settings and refuses the webhooks\' max_per_minute, bad label names and a zero interval', () => {
    const c = parseConfig(yaml(['hub:', '  notifications:', '    - { type: alertmanager, url: "http://am:9093", alertname: Errors, labels: { team: pay }, window: 30m, resend_interval: 30s }']), 'c.yaml', {});
    expect(c.hub?.notifications[0]).toMatchObject({ alertname: 'Errors', labels: { team: 'pay' }, window: 1_800_000, resend_interval: 30_000 });
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: alertmanager, url: "http://am:9093", max_per_minute: 5 }']))).toMatch(/^hub\.notifications\[0\].*max_per_minute/);
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: alertmanager, url: "http://am:9093", labels: { "1team": x } }']))).toMatch(/^hub\.notifications\[0\]\.labels.*label name/);
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: alertmanager, url: "http://am:9093", resend_interval: 0s }']))).toMatch(/^hub\.notifications\[0\]\.resend_interval.*at least 100ms/);
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: pagerduty, url: "http://x" }']))).toMatch(/^hub\.notifications\[0\]\.type/);
  });
});

describe('hub.public_url', () => {
  it('takes an http(s) URL and refuses one with a fragment', () => {
    expect(parseConfig(yaml(['hub:', '  public_url: https://crowsnest.example.com/']), 'c.yaml', {}).hub?.public_url).toBe('https://crowsnest.example.com/');
    expect(problemsOf(yaml(['hub:', '  public_url: "https://crowsnest.example.com/#/"']))).toMatch(/^hub\.public_url.*without a #fragment/);
    expect(problemsOf(yaml(['hub:', '  public_url: crowsnest.example.com']))).toMatch(/^hub\.public_url/);
  });
});
