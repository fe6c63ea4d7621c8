import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { silentLogger } from '@cruddur/logger';
import {
  ConnectionRegistry,
  connectionKeys,
  connectionTableDefinition,
  ReplicaDirectory,
} from '@cruddur/realtime';
import { documentClient, dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectionTracker, type ConnectionTrackerOptions } from './connections.ts';

const stack = testStack();
const ddb = dynamoClient(stack);
const doc = documentClient(stack);
const table = uniqueName('tracker');
const registry = new ConnectionRegistry({ ddb: doc, table });

function tracker(
  replicaId: string,
  events: string[] = [],
  options: Partial<ConnectionTrackerOptions> & { registry?: ConnectionRegistry } = {},
) {
  const on = options.registry ?? registry;
  return new ConnectionTracker({
    registry: on,
    directory: new ReplicaDirectory({ registry: on, cacheMs: 1 }),
    replicaId,
    heartbeatMs: 60_000,
    ttlMs: 120_000,
    logger: silentLogger,
    onOnline: (user) => events.push(`online ${user}`),
    onOffline: (user) => events.push(`offline ${user}`),
    ...options,
  });
}

const replicasOf = async (user: string) => (await registry.users([user])).get(user)?.replicaIds ?? [];

beforeAll(() => ddb.send(new CreateTableCommand(connectionTableDefinition(table))));
afterAll(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  ddb.destroy();
  doc.destroy();
});

describe('ConnectionTracker against the registry', () => {
  it('writes a user once per replica, keeps them while any stream is open, and goes online/offline once overall', async () => {
    const events: string[] = [];
    const [a, b] = [tracker('ta', events), tracker('tb', events)];
    await Promise.all([a.start('http://queue/a'), b.start('http://queue/b')]);
    const user = crypto.randomUUID();

    await Promise.all([a.connected(user), a.connected(user)]); // two tabs on one replica
    expect(await replicasOf(user)).toEqual(['ta']);
    await b.connected(user); // a third, elsewhere: not a new online
    expect((await replicasOf(user)).sort()).toEqual(['ta', 'tb']);
    expect(events).toEqual([`online ${user}`]);

    a.disconnected(user);
    a.disconnected(user);
    await vi.waitFor(async () => expect(await replicasOf(user)).toEqual(['tb']));
    expect(events).toEqual([`online ${user}`]); // still on b
    b.disconnected(user);
    await vi.waitFor(() => expect(events).toEqual([`online ${user}`, `offline ${user}`]));
    expect((await registry.users([user])).get(user)?.lastSeenAt).toEqual(expect.any(String));
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a reconnect racing its own disconnect leaves the entry in place', async () => {
    const events: string[] = [];
    const a = tracker('tc', events);
    await a.start('http://queue/c');
    const user = crypto.randomUUID();
    await a.connected(user);
    // The stream drops and the browser is back before the removal was written: the removal must not win.
    a.disconnected(user);
    await a.connected(user);
    await vi.waitFor(async () => expect(await replicasOf(user)).toEqual(['tc']));
    expect(a.isConnectedHere(user)).toBe(true);
    await a.stop();
    // A clean stop retires the replica: its entries no longer count, whatever the user items say.
    expect((await registry.replicas(['tc'])).has('tc')).toBe(false);
  });

  it('drops the entries of a replica that died when the user connects again', async () => {
    const user = crypto.randomUUID();
    await registry.announceReplica('dead', 'http://queue/dead', 1);
    await registry.connect(user, 'dead');
    const events: string[] = [];
    const a = tracker('td', events);
    await a.start('http://queue/d');
    await a.connected(user);
    expect(await replicasOf(user)).toEqual(['td']);
    // Online again: the dead replica did not count.
    expect(events).toEqual([`online ${user}`]);
    await a.stop();
  });
  it('ends its streams when a heartbeat finds its entry reaped (it was late, not dead), and is routable again', async () => {
    let livenessLost = 0;
    const a = tracker('tr', [], { heartbeatMs: 100, onLivenessLost: () => livenessLost++ });
    await a.start('http://queue/r');
    await new Promise((r) => setTimeout(r, 350));
    expect(livenessLost).toBe(0); // heartbeats on time
    // What a survivor's claim does to a replica it took for dead: its entry goes, publishers skip it.
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: connectionKeys.replica('tr') } }));
    await vi.waitFor(() => expect(livenessLost).toBe(1), { timeout: 5_000, interval: 20 });
    expect((await registry.replicas(['tr'])).has('tr')).toBe(true);
    a.assertRoutable();
    await new Promise((r) => setTimeout(r, 350));
    expect(livenessLost).toBe(1); // once: the heartbeat that noticed also made it routable again
    await a.stop();
  });

  it('runs one heartbeat at a time: a slow registry gets no pile of renewals', async () => {
    const slow = new ConnectionRegistry({ ddb: doc, table });
    const announce = slow.announceReplica.bind(slow);
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    slow.announceReplica = async (...args) => {
      calls++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 150));
      try {
        return await announce(...args);
      } finally {
        inFlight--;
      }
    };
    const a = tracker('ts', [], { registry: slow, heartbeatMs: 20 });
    await a.start('http://queue/s');
    // Still renewing, one after another: a few renewals, each far longer than the 20 ms between ticks.
    await vi.waitFor(() => expect(calls).toBeGreaterThan(3), { timeout: 15_000, interval: 20 });
    await a.stop();
    expect(most).toBe(1);
  });

  it('starts before its table exists, stays unroutable, and announces itself as soon as the table is made', async () => {
    const lateTable = uniqueName('tracker-late');
    const lateRegistry = new ConnectionRegistry({ ddb: doc, table: lateTable });
    const a = tracker('tl', [], { registry: lateRegistry });
    await a.start('http://queue/late');
    expect(() => a.assertRoutable()).toThrow(/not announced/);

    await ddb.send(new CreateTableCommand(connectionTableDefinition(lateTable)));
    // The heartbeat is a minute away: only the start's own retry can announce the replica this soon.
    await vi.waitFor(() => a.assertRoutable(), { timeout: 10_000, interval: 50 });
    expect((await lateRegistry.replicas(['tl'])).has('tl')).toBe(true);
    await a.stop();
    expect((await lateRegistry.replicas(['tl'])).has('tl')).toBe(false);
    await ddb.send(new DeleteTableCommand({ TableName: lateTable }));
  });

  it('is unroutable once its entry outlives the TTL publishers allow it', async () => {
    const a = new ConnectionTracker({
      registry,
      directory: new ReplicaDirectory({ registry, cacheMs: 1 }),
      replicaId: 'tt',
      heartbeatMs: 60_000,
      ttlMs: 300,
      logger: silentLogger,
    });
    await a.start('http://queue/ttl');
    expect(() => a.assertRoutable()).not.toThrow();
    await vi.waitFor(() => expect(() => a.assertRoutable()).toThrow(/not renewed/), { timeout: 5_000 });
    await a.stop();
  });
});
