import { describe, expect, it } from 'vitest';
import { AgentConfigSchema, OtlpConfigSchema } from '../../../common/config/schema.js';

describe('agent.otlp', () => {
  it('is off unless given, and `{}` turns it on with the documented defaults', () => {
    expect(AgentConfigSchema.parse({ name: 'a' }).otlp).toBeUndefined();
    expect(AgentConfigSchema.parse({ name: 'a', otlp: {} }).otlp).toEqual({
      max_body_bytes: 20 * 1024 * 1024, rate_limit: { exceptions_per_second: 1_000, burst: 20_000 }, tokens: [], default_service: 'otlp',
      max_services: 100, max_groups_per_service: 10_000, samples_per_batch: 1, dedup_items: 100_000,
    });
  });

  it('refuses unknown keys, empty tokens, a bad listen address and a rate of zero', () => {
    for (const bad of [{ listen_on: 'x' }, { tokens: [''] }, { listen: 'nowhere' }, { rate_limit: { exceptions_per_second: 0, burst: 1 } }]) {
      expect(OtlpConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(OtlpConfigSchema.parse({ listen: '0.0.0.0:4318', tokens: ['t'] }).listen).toBe('0.0.0.0:4318');
  });
});
