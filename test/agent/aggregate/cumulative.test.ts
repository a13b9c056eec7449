import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffCumulative } from '../../../agent/aggregate/cumulative.js';

type Op = { readonly op: 'increment'; readonly n: number } | { readonly op: 'reset' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('increment' as const), n: fc.nat({ max: 1000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
);

describe('diffCumulative', () => {
  it('counts a first observation fully', () => {
    expect(diffCumulative(undefined, 7)).toBe(7);
  });

  it('returns the growth between two observations', () => {
    expect(diffCumulative(5, 8)).toBe(3);
  });

  it('returns 0 for an unchanged value', () => {
    expect(diffCumulative(4, 4)).toBe(0);
  });

  it('treats a smaller value as a counter reset and counts it from zero', () => {
    expect(diffCumulative(5, 3)).toBe(3);
  });

  it('counts nothing for a reset observed at zero', () => {
    expect(diffCumulative(5, 0)).toBe(0);
  });

  it('sums to the true number of increments when observed after every increment and reset', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let counter = 0;
        let last: number | undefined;
        let observed = 0;
        let truth = 0;
        for (const o of ops) {
          if (o.op === 'reset') counter = 0;
          else {
            counter += o.n;
            truth += o.n;
          }
          observed += diffCumulative(last, counter);
          last = counter;
        }
        expect(observed).toBe(truth);
      }),
    );
  });

  it('sums to the true number of increments when increments are batched but every reset is observed right before and after', () => {
    // Between two observations there may be many increments, but never a reset together with
    // increments: that is the case Prometheus semantics (and any scraper) cannot see.
    // Each step: some increments, one observation, then optionally a reset observed at once.
    const historyArb = fc.array(fc.tuple(fc.array(fc.nat({ max: 1000 }), { maxLength: 5 }), fc.boolean()), { maxLength: 30 });
    fc.assert(
      fc.property(historyArb, (history) => {
        let counter = 0;
        let last: number | undefined;
        let observed = 0;
        let truth = 0;
        for (const [increments, resetAfter] of history) {
          for (const n of increments) {
            counter += n;
            truth += n;
          }
          observed += diffCumulative(last, counter);
          last = counter;
          if (resetAfter) {
            counter = 0;
            observed += diffCumulative(last, counter);
            last = counter;
          }
        }
        expect(observed).toBe(truth);
      }),
    );
  });
});
