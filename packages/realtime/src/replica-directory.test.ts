import { describe, expect, it } from 'vitest';
import type { ConnectionRegistry, ReplicaRecord } from './registry.ts';
import { ReplicaDirectory } from './replica-directory.ts';

/** A registry whose replica entries the test renews by hand, counting reads. */
function fakeRegistry(entries: Map<string, ReplicaRecord>) {
  const reads: string[][] = [];
  const registry = {
    replicas: async (ids: readonly string[]) => {
      reads.push([...ids]);
      return new Map(ids.flatMap((id) => (entries.has(id) ? [[id, entries.get(id)!] as const] : [])));
    },
  } as unknown as ConnectionRegistry;
  return { registry, reads };
}

describe('ReplicaDirectory', () => {
  it('reads a cached replica again once its entry expires, so a cache longer than a heartbeat gap never hides a live one', async () => {
    let now = 10_000;
    const entries = new Map([['b', { queueUrl: 'q/b', heartbeatAtMs: now, expiresAtMs: now + 1_000 }]]);
    const { registry, reads } = fakeRegistry(entries);
    const directory = new ReplicaDirectory({ registry, cacheMs: 5_000, now: () => now });

    expect(await directory.live(['b'])).toEqual(new Map([['b', 'q/b']]));
    now += 500;
    expect(await directory.live(['b'])).toEqual(new Map([['b', 'q/b']]));
    expect(reads).toHaveLength(1); // cached while its entry holds

    // b renewed at 10,700; the cached entry (to 11,000) is past, the cache (to 15,000) is not.
    entries.set('b', { queueUrl: 'q/b', heartbeatAtMs: 10_700, expiresAtMs: 11_700 });
    now = 11_200;
    expect(await directory.live(['b'])).toEqual(new Map([['b', 'q/b']]));
    expect(reads).toHaveLength(2);
  });

  it('keeps a replica read as dead cached, so publishes to its users do not read it every time', async () => {
    let now = 20_000;
    const { registry, reads } = fakeRegistry(
      new Map([['dead', { queueUrl: 'q/d', heartbeatAtMs: 18_000, expiresAtMs: 19_000 }]]),
    );
    const directory = new ReplicaDirectory({ registry, cacheMs: 2_000, now: () => now });
    expect(await directory.live(['dead'])).toEqual(new Map());
    now += 1_000;
    expect(await directory.live(['dead'])).toEqual(new Map());
    expect(reads).toHaveLength(1);
    now += 1_000;
    await directory.live(['dead']);
    expect(reads).toHaveLength(2); // the cache's own expiry still applies
  });
});
