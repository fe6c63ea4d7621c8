import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-bucket.ts';

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the configured rate, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 2, now: () => now });
    expect([1, 2, 3].map(() => buckets.take('a').ok)).toEqual([true, true, true]);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('b').ok).toBe(true);
    now = 500;
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 0.25, now: () => 0 });
    buckets.take('a');
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 4 });
  });

  it('forgets idle buckets so memory stays bounded', () => {
    let now = 0;
    const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1, sweepAbove: 2, now: () => now });
    buckets.take('a');
    buckets.take('b');
    now = 10_000;
    buckets.take('c');
    expect(buckets.size).toBe(1);
  });
});
