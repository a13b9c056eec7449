import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OtlpIntakeSchema } from '../../../../common/federation/intake.js';
import { OtlpFigures } from '../../../../agent/ingest/otlp/otlp-figures.js';
import { OtlpMetrics } from '../../../../agent/ingest/otlp/otlp-metrics.js';

describe('OtlpFigures', () => {
  it('counts per signal what the metrics count, partial-success rejections together', () => {
    const f = new OtlpFigures();
    f.batch('traces', 3, 2);
    f.exception('traces', 'accepted', 1);
    f.exception('traces', 'rate_limited', 2);
    f.exception('traces', 'too_many_services', 1);
    f.exception('logs', 'overflow', 4);
    f.exception('logs', 'duplicate', 5);
    f.reject('invalid_json');
    f.reject('invalid_json');
    f.reject('rate_limited');
    const wire = f.current();
    expect(wire).toEqual({
      traces: { items: 3, ignored: 2, accepted: 1, overflow: 0, duplicate: 0, rejected: 3 },
      logs: { items: 0, ignored: 0, accepted: 0, overflow: 4, duplicate: 5, rejected: 0 },
      refused: { invalid_json: 2, rate_limited: 1 },
    });
    expect(OtlpIntakeSchema.parse(wire)).toEqual(wire);
  });

  it('gives a copy: a later change does not alter figures already handed to a link', () => {
    const f = new OtlpFigures();
    f.batch('logs', 1, 1);
    const before = f.current();
    f.batch('logs', 1, 1);
    expect(before.logs.items).toBe(1);
    expect(f.current().logs.items).toBe(2);
  });
});

describe('OtlpMetrics', () => {
  it('tells of every change, and its figures agree with its counters', async () => {
    let changes = 0;
    const registry = new Registry();
    const metrics = new OtlpMetrics(registry, () => changes++);
    metrics.batch('traces', 4, 3);
    metrics.exception('traces', 'accepted');
    metrics.exception('traces', 'duplicate', 0);
    metrics.reject('body_too_large');
    expect(changes).toBe(3);
    expect(metrics.figures.current().traces).toMatchObject({ items: 4, ignored: 3, accepted: 1, duplicate: 0 });
    expect(metrics.figures.current().refused).toEqual({ body_too_large: 1 });
    const text = await registry.metrics();
    expect(text).toContain('crowsnest_agent_otlp_rejected_total{reason="body_too_large"} 1');
    expect(text).toContain('crowsnest_agent_otlp_items_ignored_total{signal="traces"} 3');
  });
});
