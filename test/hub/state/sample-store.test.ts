import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delta, WireGroup } from '../../../common/federation/messages.js';
import type { Occurrence } from '../../../common/occurrence.js';
import type { HubGroup } from '../../../hub/state/group.js';
import { HubState } from '../../../hub/state/hub-state.js';
import { sampleBytes } from '../../../hub/state/sample-size.js';
import { SEARCH_TEXT_CHARS } from '../../../hub/state/search-text.js';
import { occurrence, wireGroup } from '../../helpers/builders.js';

const T0 = 1_700_000_000_000;
const STACK = Array.from({ length: 30 }, (_, i) => `at com.acme.Service.method${i}(Service.java:${i + 1})`);

/** A state with one agent (lineage ref 0) and a clock the test moves. */
function setup(budgetBytes: number, samplesPerGroup = 5) {
  let now = T0;
  const state = new HubState({ samplesPerGroup, sampleBudgetBytes: budgetBytes, now: () => now });
  const source = state.source('a', 'agent', 'e1');
  const own = state.lineages.intern('a', 'e1', {}, []).id;
  let seq = 0;
  const merge = (groups: WireGroup[], service = 'checkout') => {
    now += 1000;
    const delta: Delta = { t: 'delta', seq: ++seq, services: [{ name: service, groups }], targets: [] };
    state.mergeMessage(source, delta, (ref) => (ref === 0 ? own : undefined));
  };
  return { state, merge };
}

const sample = (uuid: string, ts: number, message = `boom ${uuid}`): Occurrence =>
  occurrence(uuid, ts, { chain: [{ class: 'java.lang.IllegalStateException', message, stacktrace: [...STACK] }] });

/** A group's charge by the formula: its samples' bytes, plus its search text (each distinct stack trace once) up to the cap. */
function expectedCharge(group: HubGroup | undefined): number {
  if (group === undefined) return 0;
  let text = group.key.length;
  const stacks = new Set<string>();
  for (const o of group.samples) {
    for (const d of o.chain) {
      text += d.class.length + d.message.length + 2;
      const lines = (d.stacktrace ?? []).join('\n');
      if (!stacks.has(lines)) {
        stacks.add(lines);
        for (const line of d.stacktrace ?? []) text += line.length + 1;
      }
    }
    if (o.http !== null) text += o.http.url.length + 1;
  }
  const bytes = group.samples.reduce((n, o) => n + sampleBytes(o), 0);
  return bytes + Math.min(text, SEARCH_TEXT_CHARS) + 32;
}

describe('SampleStore', () => {
  it('stores identical stack traces once, across samples and groups', () => {
    const { state, merge } = setup(64 * 1024 * 1024);
    merge([wireGroup('k1', [[0, 1]], { samples: [sample('u1', T0)] }), wireGroup('k2', [[0, 1]], { samples: [sample('u2', T0)] })]);
    merge([wireGroup('k1', [[0, 2]], { samples: [sample('u3', T0 + 1)] })]);
    const k1 = state.group('checkout', 'k1')?.samples ?? [];
    const k2 = state.group('checkout', 'k2')?.samples ?? [];
    expect(k1).toHaveLength(2);
    expect(k1[0]?.chain[0]?.stacktrace).toBe(k1[1]?.chain[0]?.stacktrace);
    expect(k1[0]?.chain[0]?.stacktrace).toBe(k2[0]?.chain[0]?.stacktrace);
    expect(state.samples.intern.hits).toBeGreaterThan(0);
  });

  it('charges a group its samples\' bytes and its search text, each distinct stack trace once, however the samples changed', () => {
    const { state, merge } = setup(64 * 1024 * 1024, 20);
    // A long cause chain of distinct traces (more than a short list holds), and traces shared across samples.
    const deep = (uuid: string, ts: number): Occurrence =>
      occurrence(uuid, ts, { chain: Array.from({ length: 40 }, (_, i) => ({ class: `C${i}`, message: `m${i}`, stacktrace: [`at f${i}(F.java:${i})`, ...STACK.slice(0, 2)] })) });
    merge([wireGroup('k', [[0, 1]], { samples: [sample('u1', T0), deep('d1', T0 + 1)] })]);
    merge([wireGroup('k', [[0, 2]], { samples: [sample('u2', T0 + 2), deep('d2', T0 + 3)] })]);
    expect(state.group('checkout', 'k')?.samples).toHaveLength(4);
    expect(state.samples.bytes).toBe(expectedCharge(state.group('checkout', 'k')));
  });

  it('charges what the formula gives after any sequence of merges (older and newer samples, shared and distinct traces)', () => {
    const traces = [STACK, STACK.slice(0, 3), ['at a(A.java:1)'], STACK.slice(5)];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })), { minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        (updates, cap) => {
          const { state, merge } = setup(64 * 1024 * 1024, cap);
          let uuid = 0;
          for (const [k, samples] of updates) {
            merge([wireGroup(`k${k}`, [[0, ++uuid]], {
              samples: samples.map(([ts, chain]) => occurrence(`u${++uuid}`, T0 + ts, {
                // Trace 4 stands for none; the same trace twice in one chain is counted once.
                chain: (chain.length === 0 ? [0] : chain).map((t, i) => ({ class: `C${t}`, message: `m${i}`, stacktrace: t === 4 ? null : [...(traces[t] as string[])] })),
              })),
            })]);
          }
          let expected = 0;
          for (const g of state.services.get('checkout')?.values() ?? []) if (g.samples.length > 0) expected += expectedCharge(g);
          expect(state.samples.bytes).toBe(expected);
        },
      ),
    );
  });

  it('takes the samples of the least recently updated groups first and keeps their counts', () => {
    // Room for the samples of about three groups.
    const { state, merge } = setup(3 * 4_500);
    for (let i = 0; i < 6; i++) merge([wireGroup(`k${i}`, [[0, 10 + i]], { samples: [sample(`u${i}`, T0 + i)] })]);
    const held = (k: string) => state.group('checkout', k)?.samples.length;
    expect(held('k0')).toBe(0);
    expect(held('k5')).toBe(1);
    expect(state.group('checkout', 'k0')).toMatchObject({ total: 10, samplesEvicted: true, headline: { class: 'java.lang.IllegalStateException', message: 'boom u0' } });
    expect(state.samples.bytes).toBeLessThanOrEqual(3 * 4_500);
    expect(state.stats().samples).toBe([0, 1, 2, 3, 4, 5].reduce((n, i) => n + (held(`k${i}`) ?? 0), 0));
  });

  it('gives an evicted group its new samples back', () => {
    const { state, merge } = setup(2 * 4_500);
    merge([wireGroup('old', [[0, 1]], { samples: [sample('u0', T0)] })]);
    merge([wireGroup('a', [[0, 1]], { samples: [sample('u1', T0)] }), wireGroup('b', [[0, 1]], { samples: [sample('u2', T0)] })]);
    expect(state.group('checkout', 'old')?.samplesEvicted).toBe(true);
    merge([wireGroup('old', [[0, 2]], { samples: [sample('u9', T0 + 9)] })]);
    expect(state.group('checkout', 'old')).toMatchObject({ samplesEvicted: false, total: 2 });
    expect(state.group('checkout', 'old')?.samples.map((s) => s.uuid)).toEqual(['u9']);
  });

  it('keeps only the newest sample of a group larger than the whole budget', () => {
    const { state, merge } = setup(5_000, 10);
    merge([wireGroup('big', [[0, 3]], { samples: [sample('u1', T0 + 1), sample('u2', T0 + 2), sample('u3', T0 + 3)] })]);
    expect(state.group('checkout', 'big')?.samples.map((s) => s.uuid)).toEqual(['u3']);
    expect(state.stats().samples).toBe(1);
  });

  it('never charges more than the budget, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 2_000, max: 60_000 }),
        (updates, budget) => {
          const { state, merge } = setup(budget);
          let uuid = 0;
          for (const [k, messageChars, n] of updates) {
            const samples = Array.from({ length: n }, () => sample(`u${++uuid}`, T0 + uuid, 'x'.repeat(messageChars)));
            merge([wireGroup(`k${k}`, [[0, uuid]], { samples })]);
          }
          expect(state.samples.bytes).toBeLessThanOrEqual(budget);
          let held = 0;
          for (const g of state.services.get('checkout')?.values() ?? []) held += g.samples.length;
          expect(state.stats().samples).toBe(held);
          // Counts are never evicted.
          for (const g of state.services.get('checkout')?.values() ?? []) expect(g.total).toBeGreaterThan(0);
        },
      ),
    );
  });
});
