/** A token bucket's settings: `ratePerSecond` tokens flow in, at most `burst` are held. */
export interface BucketSettings {
  readonly ratePerSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The answer of `take`: allowed, or refused with the seconds until one token is back. */
export type TakeResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Longest Retry-After announced (a tiny configured rate must not silence an SDK for days). */
export const MAX_RETRY_AFTER_SECONDS = 3_600;

/**
 * Token buckets per DSN key. Pure arithmetic on the `now` passed in (ms), no timers. Buckets exist
 * only for configured keys (callers authenticate first), so the map stays as small as the config.
 * Owned by the Sentry ingestion; lives as long as the agent.
 *
 * Example: rate 1/s, burst 2: three takes at t=0 give allowed, allowed, refused (retry after 1 s).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly settings: (key: string) => BucketSettings) {}

  private refill(key: string, now: number): Bucket {
    const { ratePerSecond, burst } = this.settings(key);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
    }
    return bucket;
  }

  /** Takes one token for `key` if there is one. */
  take(key: string, now: number): TakeResult {
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const { ratePerSecond } = this.settings(key);
    const seconds = Math.ceil((1 - bucket.tokens) / ratePerSecond);
    return { allowed: false, retryAfterSeconds: Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds)) };
  }
}
