import { describe, expect, it } from 'vitest';
import { MembersCache } from './members-cache.ts';

describe('MembersCache', () => {
  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = new MembersCache(2);
    cache.set('g1', ['a', 'b']);
    cache.set('g2', ['c', 'd']);
    expect(cache.get('g1')).toEqual(['a', 'b']);
    cache.set('g3', ['e', 'f']);
    expect(cache.get('g2')).toBeUndefined();
    expect(cache.get('g1')).toEqual(['a', 'b']);
    expect(cache.get('g3')).toEqual(['e', 'f']);
  });
});
