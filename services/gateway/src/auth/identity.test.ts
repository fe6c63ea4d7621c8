import { describe, expect, it } from 'vitest';
import type { User } from '../upstream/schemas.ts';
import { IdentityResolver } from './identity.ts';

const andrew: User = {
  uuid: '6a1b0c4e-5f0f-4a43-9b3a-2f8d8f3b1c11',
  handle: 'andrewbrown',
  display_name: 'Andrew Brown',
  cognito_user_id: 'sub-1',
};

// A stand-in for the users service's look-up function only: this checks the caching rule, not the wire.
function countingLookup(known: Record<string, User>) {
  const calls: string[] = [];
  return {
    calls,
    byCognitoSub: async (sub: string) => {
      calls.push(sub);
      return known[sub];
    },
  };
}

describe('IdentityResolver', () => {
  it('caches hits and shares concurrent look-ups', async () => {
    const users = countingLookup({ 'sub-1': andrew });
    const resolver = new IdentityResolver(users, { ttlMs: 30_000, maxEntries: 10, unknownTtlMs: 5_000 });
    const [a, b] = await Promise.all([resolver.resolve('sub-1'), resolver.resolve('sub-1')]);
    await resolver.resolve('sub-1');
    expect(a).toEqual({
      uuid: andrew.uuid,
      handle: 'andrewbrown',
      display_name: 'Andrew Brown',
      sub: 'sub-1',
    });
    expect(b).toBe(a);
    expect(users.calls).toEqual(['sub-1']);
  });

  it('caches misses only briefly: an unknown sub costs one look-up per few seconds, a new sign-up is seen soon', async () => {
    const known: Record<string, User> = {};
    const users = countingLookup(known);
    let now = 1_000_000;
    const resolver = new IdentityResolver(users, {
      ttlMs: 30_000,
      maxEntries: 10,
      unknownTtlMs: 5_000,
      now: () => now,
    });
    expect(await resolver.resolve('sub-1')).toBeUndefined();
    known['sub-1'] = andrew;
    for (let i = 0; i < 20; i++) expect(await resolver.resolve('sub-1')).toBeUndefined();
    expect(users.calls).toEqual(['sub-1']);
    now += 5_001;
    expect((await resolver.resolve('sub-1'))?.uuid).toBe(andrew.uuid);
    expect(users.calls).toEqual(['sub-1', 'sub-1']);
  });
});
