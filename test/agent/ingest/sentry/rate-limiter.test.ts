import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS, RateLimiter } from '../../../../agent/ingest/sentry/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    const limiter = new RateLimiter(() => ({ ratePerSecond: 1, burst: 2 }));
    expect(limiter.take('k', 0)).toEqual({ allowed: true });
    expect(limiter.take('k', 0)).toEqual({ allowed: true });
    expect(limiter.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('k', 1_000)).toEqual({ allowed: true });
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(() => ({ ratePerSecond: 1, burst: 1 }));
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('b', 0).allowed).toBe(true);
    expect(limiter.take('a', 0).allowed).toBe(false);
  });

  it('announces a Retry-After of at least one second and at most an hour', () => {
    const slow = new RateLimiter(() => ({ ratePerSecond: 0.0001, burst: 1 }));
    slow.take('k', 0);
    expect(slow.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: MAX_RETRY_AFTER_SECONDS });
    const fast = new RateLimiter(() => ({ ratePerSecond: 1000, burst: 1 }));
    fast.take('k', 0);
    expect(fast.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('never allows more than the burst plus the rate times the elapsed time', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 }),
        (rate, burst, gaps) => {
          const limiter = new RateLimiter(() => ({ ratePerSecond: rate, burst }));
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take('k', now).allowed) allowed++;
          }
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000) + 1e-9);
        },
      ),
    );
  });
});
