import { describe, expect, it } from 'vitest';
import { ProfileCache } from './profile-cache.ts';

const row = (uuid: string, handle = 'ann') => ({ uuid, handle, display_name: handle.toUpperCase() });

function cache(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const c = new ProfileCache({ ttlMs: 10_000, maxEntries: 100, ...options, now: () => now });
  return { c, tick: (ms: number) => (now += ms), at: () => now };
}

describe('ProfileCache', () => {
  it('answers a filled profile until it expires', () => {
    const { c, tick, at } = cache();
    c.fill(row('a'), at());
    tick(9_999);
    expect(c.get('a')).toEqual(row('a'));
    tick(1);
    expect(c.get('a')).toBeUndefined();
  });

  it('forgets a profile this process changed, and refuses reads of it that began before or just after', () => {
    const { c, tick, at } = cache();
    c.fill(row('a'), at());
    const readBefore = at();
    tick(10);
    c.invalidate('a');
    expect(c.get('a')).toBeUndefined();
    c.fill(row('a', 'old'), readBefore);
    expect(c.get('a')).toBeUndefined();
    tick(500);
    c.fill(row('a', 'maybe-old'), at());
    expect(c.get('a')).toBeUndefined();
    tick(1_000);
    c.fill(row('a', 'new'), at());
    expect(c.get('a')?.handle).toBe('new');
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const { c, at } = cache({ maxEntries: 2 });
    c.fill(row('a'), at());
    c.fill(row('b'), at());
    c.get('a');
    c.fill(row('c'), at());
    expect([c.get('a'), c.get('b'), c.get('c')].map((r) => r?.uuid)).toEqual(['a', undefined, 'c']);
  });

  it('caches nothing with a TTL of 0', () => {
    const { c, at } = cache({ ttlMs: 0 });
    c.fill(row('a'), at());
    expect(c.get('a')).toBeUndefined();
  });
});
