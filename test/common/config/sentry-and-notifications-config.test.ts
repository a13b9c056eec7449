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
const KEY = '0123456789ABCDEF0123456789abcdef';

describe('agent.sentry', () => {
  it('reads projects with their defaults, keys in lower case', () => {
    const c = parseConfig(yaml(['agent:', '  name: a', '  sentry:', '    projects:', `      - { id: 1, key: ${KEY}, service: web }`, `      - { id: "1", key: ${'f'.repeat(32)}, service: web }`]), 'c.yaml', {});
    expect(c.agent?.sentry).toEqual({
      projects: [{ id: 1, key: KEY.toLowerCase(), service: 'web' }, { id: 1, key: 'f'.repeat(32), service: 'web' }],
      rate_limit: { events_per_second: 50, burst: 500 }, max_event_bytes: 1024 * 1024, dedup_event_ids: 20_000, max_groups_per_service: 10_000,
    });
  });

  it('names a key that is not a DSN public key, and a project mapped to two services', () => {
    expect(problemsOf(yaml(['agent:', '  name: a', '  sentry:', '    projects:', '      - { id: 1, key: abc, service: web }']))).toMatch(/^agent\.sentry\.projects\[0\]\.key \(line 5\): expected the DSN public key: 32 hex characters/);
    expect(problemsOf(yaml(['agent:', '  name: a', '  sentry:', '    projects:', `      - { id: 1, key: ${KEY}, service: web }`, `      - { id: 1, key: ${'f'.repeat(32)}, service: api }`])))
      .toMatch(/^agent\.sentry\.projects\[1\]\.service.*: project 1 is already mapped to service "web"/);
  });

  it('refuses an empty project list and unknown keys', () => {
    expect(problemsOf(yaml(['agent:', '  name: a', '  sentry:', '    projects: []']))).toMatch(/agent\.sentry\.projects.*list at least one project/);
    expect(problemsOf(yaml(['agent:', '  name: a', '  sentry:', '    projects:', `      - { id: 1, key: ${KEY}, service: web, dsn: x }`]))).toMatch(/agent\.sentry\.projects\[0\]/);
  });
});

describe('hub.notifications', () => {
  it('reads a channel with its defaults', () => {
    const c = parseConfig(yaml(['hub:', '  notifications:', '    - { type: slack, url: "https://hooks.slack.com/services/T/B/x" }']), 'c.yaml', {});
    expect(c.hub?.notifications).toEqual([{
      type: 'slack', url: 'https://hooks.slack.com/services/T/B/x', events: ['new', 'regressed'], headers: {}, timeout: 10_000, max_attempts: 6,
      retry_backoff: 1_000, retry_max: 60_000, max_per_minute: 30,
    }]);
  });

  it('names a URL that is not http(s) and an unknown event', () => {
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: webhook, url: "ftp://x/y" }']))).toMatch(/^hub\.notifications\[0\]\.url.*expected an http:\/\/ or https:\/\/ URL/);
    expect(problemsOf(yaml(['hub:', '  notifications:', '    - { type: webhook, url: "http://x/y", events: [resolved] }']))).toMatch(/^hub\.notifications\[0\]\.events\[0\]/);
  });
});
