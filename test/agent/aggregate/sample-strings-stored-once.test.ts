import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate, rawSample } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;
const STACK = Array.from({ length: 50 }, (_, i) => `at com.example.Service.method${i}(Service.java:${i})`);

describe('Aggregator interning', () => {
  it('stores the stack trace sent by many targets once', () => {
    const aggregator = new Aggregator({
      samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'first-start', startedAt: NOW, startupWindowMs: 0, onChange: () => undefined,
    });
    for (let t = 0; t < 200; t++) {
      const raw = rawSample(`t${t}`, NOW + t, { error: { class: 'E', message: 'boom', stacktrace: STACK, cause: null } });
      aggregator.observe('svc', `target-${t}`, [aggregate('k', 1, { rawSamples: [raw] })], NOW + t);
    }
    // The stack lines, the class and the message.
    expect(aggregator.interner.stats().entries).toBe(STACK.length + 2);
  });
});
