import { MAX_RETRY_AFTER_SECONDS } from '../sentry/rate-limiter.js';

/** The answer of `takeUpTo`: how many tokens were granted, and when refused, when one is back. */
export type Grant = { readonly granted: number } | { readonly granted: 0; readonly retryAfterSeconds: number };

/**
 * Token buckets of exceptions per bearer token (one bucket `anonymous` when none is configured): a
 * batch takes as many tokens as it has new exceptions, or what is left. Pure arithmetic on the `now`
 * passed in (ms), no timers; buckets exist only for configured tokens. Owned by the OTLP ingestion.
 *
 * Example: rate 10/s, burst 20: takeUpTo(30) at t=0 grants 20; takeUpTo(5) at t=0 is refused, retry after 1 s.
 */
export class ExceptionRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  takeUpTo(bucketId: string, wanted: number, now: number): Grant {
    let bucket = this.buckets.get(bucketId);
    if (bucket === undefined) this.buckets.set(bucketId, (bucket = { tokens: this.burst, at: now }));
    else if (now > bucket.at) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
      bucket.at = now;
    }
    if (wanted <= 0) return { granted: 0 };
    if (bucket.tokens < 1) {
      const seconds = Math.ceil((1 - bucket.tokens) / this.ratePerSecond);
      return { granted: 0, retryAfterSeconds: Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds)) };
    }
    const granted = Math.min(wanted, Math.floor(bucket.tokens));
    bucket.tokens -= granted;
    return { granted };
  }
}
