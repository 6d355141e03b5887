// Per-token token bucket, in this process: `burst` requests at once, refilled at `perMinute`. Each
// `radar serve` process keeps its own buckets, so N processes behind a balancer allow N times the rate.
export interface RateLimiter {
  /** 0 when the request may go ahead, else the seconds to wait (for Retry-After). */
  take(key: number, now: number): number;
}

export function createRateLimiter(options: { perMinute: number; burst: number }): RateLimiter {
  const perMs = options.perMinute / 60_000;
  const buckets = new Map<number, { tokens: number; at: number }>();
  return {
    take(key, now) {
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: now };
      bucket.tokens = Math.min(options.burst, bucket.tokens + (now - bucket.at) * perMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
  };
}
