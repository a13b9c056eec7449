import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, compareStamps, type Hlc, HybridClock, receive, tick } from '../../../hub/peers/hlc.js';

const DRIFT = 60_000;
const hlc = (wall: number, counter = 0): Hlc => ({ wall, counter });

describe('hybrid logical clock', () => {
  it('follows physical time when it moves on, and counts within one millisecond', () => {
    expect(tick(hlc(100, 5), 200)).toEqual(hlc(200, 0));
    expect(tick(hlc(200, 0), 200)).toEqual(hlc(200, 1));
    // A physical clock stepping back never moves the clock back.
    expect(tick(hlc(200, 1), 150)).toEqual(hlc(200, 2));
  });

  it('orders after a remote reading, whichever clock is ahead', () => {
    expect(receive(hlc(100, 3), hlc(100, 7), 90, DRIFT)).toEqual(hlc(100, 8));
    expect(receive(hlc(100, 3), hlc(50, 7), 90, DRIFT)).toEqual(hlc(100, 4));
    expect(receive(hlc(100, 3), hlc(120, 7), 90, DRIFT)).toEqual(hlc(120, 8));
    expect(receive(hlc(100, 3), hlc(120, 7), 500, DRIFT)).toEqual(hlc(500, 0));
  });

  it('refuses a remote reading more than the drift bound ahead, and the clock stays where it was', () => {
    const now = 1_000_000;
    const clock = new HybridClock(() => now, DRIFT);
    const before = clock.now();
    expect(clock.tooFarAhead(hlc(now + DRIFT + 1))).toBe(true);
    expect(clock.receive(hlc(now + 3_600_000))).toBe(false);
    expect(clock.current).toEqual(before);
    expect(clock.receive(hlc(now + DRIFT))).toBe(true);
    expect(clock.current).toEqual(hlc(now + DRIFT, 1));
  });

  it('breaks a tie of equal clocks by hub id, so two hubs never disagree on the winner', () => {
    expect(compareStamps({ wall: 5, counter: 1, origin: 'hub-a' }, { wall: 5, counter: 1, origin: 'hub-b' })).toBe(-1);
    expect(compareStamps({ wall: 5, counter: 1, origin: 'hub-b' }, { wall: 5, counter: 1, origin: 'hub-a' })).toBe(1);
    expect(compareStamps({ wall: 5, counter: 2, origin: 'hub-a' }, { wall: 5, counter: 1, origin: 'hub-b' })).toBe(1);
    expect(compareStamps({ wall: 5, counter: 1, origin: 'hub-a' }, { wall: 5, counter: 1, origin: 'hub-a' })).toBe(0);
  });

  it('restores from a persisted reading without moving back', () => {
    const clock = new HybridClock(() => 10, DRIFT);
    clock.restore(hlc(500, 4));
    clock.restore(hlc(100, 9));
    expect(clock.now()).toEqual(hlc(500, 5));
  });
});

/** One step of a clock's life: a local event at a physical time, or a remote reading arriving. */
type Step = { local: true; physical: number } | { local: false; physical: number; remote: Hlc };
const physical = fc.integer({ min: 0, max: 10_000_000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ local: fc.constant(true as const), physical }),
  fc.record({ local: fc.constant(false as const), physical, remote: fc.record({ wall: fc.integer({ min: 0, max: 20_000_000 }), counter: fc.integer({ min: 0, max: 1000 }) }) }),
);

describe('hybrid logical clock properties', () => {
  it('is strictly monotonic, orders after every accepted remote reading, and never runs more than the drift bound ahead of the physical times it saw', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let clock = hlc(0, 0);
        let maxPhysical = 0;
        for (const s of steps) {
          maxPhysical = Math.max(maxPhysical, s.physical);
          const next = s.local ? tick(clock, s.physical) : receive(clock, s.remote, s.physical, DRIFT);
          if (next === undefined) {
            // Refused only when too far ahead.
            expect(s.local).toBe(false);
            if (!s.local) expect(s.remote.wall).toBeGreaterThan(s.physical + DRIFT);
            continue;
          }
          expect(compareHlc(next, clock)).toBe(1);
          if (!s.local) expect(compareHlc(next, s.remote)).toBe(1);
          expect(next.wall).toBeGreaterThanOrEqual(s.physical);
          expect(next.wall).toBeLessThanOrEqual(maxPhysical + DRIFT);
          clock = next;
        }
      }),
    );
  });

  it('compareStamps is a total order (antisymmetric, transitive) over clocks and hub ids', () => {
    const stamp = fc.record({ wall: fc.integer({ min: 0, max: 5 }), counter: fc.integer({ min: 0, max: 3 }), origin: fc.constantFrom('hub-a', 'hub-b', 'hub-c') });
    fc.assert(
      fc.property(stamp, stamp, stamp, (a, b, c) => {
        expect(compareStamps(a, b)).toBe(-compareStamps(b, a) || 0);
        if (compareStamps(a, b) <= 0 && compareStamps(b, c) <= 0) expect(compareStamps(a, c)).toBeLessThanOrEqual(0);
        if (compareStamps(a, b) === 0) expect(a).toEqual(b);
      }),
    );
  });
});
