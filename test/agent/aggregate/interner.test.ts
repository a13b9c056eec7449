import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { Interner } from '../../../agent/aggregate/interner.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { aggregate, occurrence, rawSample } from '../../helpers/builders.js';

const NOW = 1_700_000_000_000;
const STACK = Array.from({ length: 50 }, (_, i) => `at com.example.Service.method${i}(Service.java:${i})`);

describe('Interner', () => {
  it('keeps one entry per distinct string however often it is seen', () => {
    const interner = new Interner();
    for (let i = 0; i < 100; i++) interner.occurrence(occurrence(`u${i}`, NOW, { chain: [{ class: 'E', message: 'boom', stacktrace: STACK }] }));
    expect(interner.stats().entries).toBe(STACK.length + 2);
    expect(interner.stats().hits).toBe(99 * (STACK.length + 2));
  });

  it('returns an equal occurrence and leaves the one it was given alone', () => {
    const interner = new Interner();
    const o = occurrence('u', NOW, { http: { method: 'GET', url: '/x', headers: { a: 'b' }, body: 'payload' } });
    const copy = structuredClone(o);
    expect(interner.occurrence(o)).toEqual(copy);
    expect(o).toEqual(copy);
  });

  it('holds at most maxEntries strings', () => {
    const interner = new Interner({ maxEntries: 10, maxChars: 1_000_000 });
    for (let i = 0; i < 1_000; i++) interner.string(`line ${i}`);
    expect(interner.stats().entries).toBe(10);
  });

  it('holds at most maxChars characters', () => {
    const interner = new Interner({ maxEntries: 1_000_000, maxChars: 1_000 });
    for (let i = 0; i < 1_000; i++) interner.string(`${'x'.repeat(90)}${i}`);
    expect(interner.stats().chars).toBeLessThanOrEqual(1_000);
  });
});

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
