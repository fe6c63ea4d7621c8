export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets keyed by caller, in this replica's memory: each replica allows a burst of `capacity`
 * and `refillPerSecond` afterwards, so with N replicas behind a balancer a caller gets at most N times
 * that. Cheap and dependency-free; a shared limit would need a shared store on every request.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly options: {
      capacity: number;
      refillPerSecond: number;
      /** Idle buckets are dropped once there are this many, so memory stays bounded. */
      sweepAbove?: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  take(key: string): TakeResult {
    const { capacity, refillPerSecond } = this.options;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * refillPerSecond);
    bucket.updatedAt = now;
    if (this.buckets.size >= (this.options.sweepAbove ?? 10_000)) this.sweep(now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerSecond)) };
  }

  /** What `take` would answer now, without taking a token. */
  peek(key: string): TakeResult {
    const bucket = this.buckets.get(key);
    if (!bucket) return { ok: true };
    const { capacity, refillPerSecond } = this.options;
    const tokens = Math.min(
      capacity,
      bucket.tokens + ((this.now() - bucket.updatedAt) / 1000) * refillPerSecond,
    );
    if (tokens >= 1) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerSecond)) };
  }

  /** A bucket that would be full by now holds no information: forgetting it changes nothing. */
  private sweep(now: number): void {
    const { capacity, refillPerSecond } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * refillPerSecond >= capacity) {
        this.buckets.delete(key);
      }
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
