import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { toTimestamp } from '@cruddur/contracts';
import { documentClient, dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRegistry } from './registry.ts';
import { connectionTableDefinition } from './table.ts';

const stack = testStack();
const ddb = dynamoClient(stack);
const doc = documentClient(stack);
const table = uniqueName('connections');
const registry = new ConnectionRegistry({ ddb: doc, table });

beforeAll(async () => {
  await ddb.send(new CreateTableCommand(connectionTableDefinition(table)));
});
afterAll(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  for (const client of [ddb, doc]) client.destroy();
});

/** What a survivor needs to clean up after a replica killed with -9: who it held, and a claim only one wins. */
describe('a dead replica in the connection registry', () => {
  it("keeps each replica's users as streams open and close there, across shards", async () => {
    const users = Array.from({ length: 40 }, () => crypto.randomUUID());
    for (const user of users) await registry.connect(user, 'held');
    await registry.disconnect(users[0]!, 'held');
    await registry.connect(users[1]!, 'other');
    expect((await registry.replicaUsers('held')).sort()).toEqual(users.slice(1).sort());
    expect(await registry.replicaUsers('other')).toEqual([users[1]]);
    expect(await registry.replicaUsers('never')).toEqual([]);
  });

  it('lets exactly one of several survivors claim an expired replica, and none claim a live one', async () => {
    await registry.announceReplica('dead', 'http://queue/dead', 1);
    await registry.announceReplica('live', 'http://queue/live', 60_000);
    await new Promise((r) => setTimeout(r, 5));
    const claims = await Promise.all([1, 2, 3, 4].map(() => registry.claimDeadReplica('dead')));
    const won = claims.filter((c) => c !== null);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ queueUrl: 'http://queue/dead', heartbeatAtMs: expect.any(Number) });
    expect(await registry.claimDeadReplica('live')).toBeNull();
    expect([...(await registry.replicas(['dead', 'live'])).keys()]).toEqual(['live']);
  });

  it("keeps every replica's expiry on the index, so one read tells a sweep which are dead", async () => {
    const before = Date.now();
    await registry.announceReplica('swept-live', 'http://queue/a', 60_000);
    await registry.announceReplica('swept-dead', 'http://queue/b', 1);
    const indexed = await registry.indexedReplicas();
    expect(indexed.get('swept-live')).toBeGreaterThan(before + 30_000);
    expect(indexed.get('swept-dead')).toBeLessThan(before + 30_000);
    await registry.dropFromIndex(['swept-dead']);
    const after = await registry.indexedReplicas();
    expect(after.has('swept-dead')).toBe(false);
    expect(after.has('swept-live')).toBe(true);
  });

  it("clears the dead replica's entry and sets last seen to its heartbeat, unless a later one is known", async () => {
    const [crashed, laterElsewhere] = [crypto.randomUUID(), crypto.randomUUID()];
    await registry.connect(crashed, 'gone');
    await registry.connect(laterElsewhere, 'gone');
    await registry.connect(laterElsewhere, 'alive');
    await registry.disconnect(laterElsewhere, 'alive');
    const heartbeat = '2020-01-01T00:00:00.000Z';
    const claimedAt = Date.now() + 1;
    expect(await registry.forgetDeadReplica(crashed, 'gone', heartbeat, claimedAt)).toBe(true);
    expect(await registry.forgetDeadReplica(laterElsewhere, 'gone', heartbeat, claimedAt)).toBe(true);
    const after = await registry.users([crashed, laterElsewhere]);
    expect(after.get(crashed)).toEqual({ replicaIds: [], lastSeenAt: heartbeat });
    expect(after.get(laterElsewhere)).toEqual({ replicaIds: [], lastSeenAt: expect.any(String) });
    expect(after.get(laterElsewhere)?.lastSeenAt).not.toBe(heartbeat);
    // Twice (two survivors' reapers, a retried batch): nothing more to forget.
    expect(await registry.forgetDeadReplica(crashed, 'gone', heartbeat, claimedAt)).toBe(false);
  });

  it('tells a heartbeat whether its entry was live, had expired, or was reaped meanwhile', async () => {
    expect(await registry.announceReplica('lapsing', 'http://queue/l', 60_000)).toBe('gone'); // its first
    expect(await registry.announceReplica('lapsing', 'http://queue/l', 1)).toBe('live');
    await new Promise((r) => setTimeout(r, 5));
    // Late: publishers may have skipped it since its entry expired.
    expect(await registry.announceReplica('lapsing', 'http://queue/l', 1)).toBe('expired');
    await new Promise((r) => setTimeout(r, 5));
    expect(await registry.claimDeadReplica('lapsing')).not.toBeNull();
    expect(await registry.announceReplica('lapsing', 'http://queue/l', 60_000)).toBe('gone');
    expect((await registry.indexedReplicas()).get('lapsing')).toBeGreaterThan(Date.now());
  });

  it('drops a reaped replica from the index only while its expiry there is past: one that came back stays findable', async () => {
    await registry.announceReplica('reaped', 'http://queue/r', 1);
    await registry.announceReplica('returned', 'http://queue/t', 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await registry.claimDeadReplica('returned')).not.toBeNull();
    // Its late heartbeat lands before the reaper's drop: the index has its new expiry.
    await registry.announceReplica('returned', 'http://queue/t', 60_000);
    expect(await registry.dropStaleFromIndex('reaped')).toBe(true);
    expect(await registry.dropStaleFromIndex('returned')).toBe(false);
    const indexed = await registry.indexedReplicas();
    expect(indexed.has('reaped')).toBe(false);
    expect(indexed.get('returned')).toBeGreaterThan(Date.now());
  });

  it('keeps entries written after the claim: the users of a replica reaped while only late that came back', async () => {
    const [stayed, returned] = [crypto.randomUUID(), crypto.randomUUID()];
    await registry.announceReplica('late', 'http://queue/late', 1);
    await registry.connect(stayed, 'late');
    await new Promise((r) => setTimeout(r, 5));
    const claim = await registry.claimDeadReplica('late');
    expect(claim).not.toBeNull();
    // The replica's next heartbeat brings it back, and a user reconnects to it before the reaper reaches them.
    await new Promise((r) => setTimeout(r, 2));
    await registry.connect(returned, 'late');
    const seen = toTimestamp(claim!.heartbeatAtMs);
    expect(await registry.forgetDeadReplica(stayed, 'late', seen, claim!.claimedAtMs)).toBe(true);
    expect(await registry.forgetDeadReplica(returned, 'late', seen, claim!.claimedAtMs)).toBe(false);
    const after = await registry.users([stayed, returned]);
    expect(after.get(stayed)).toEqual({ replicaIds: [], lastSeenAt: seen });
    expect(after.get(returned)).toEqual({ replicaIds: ['late'], lastSeenAt: null });
  });

  it('drops an entry found dead at connect only if it still holds the connect time read then', async () => {
    const user = crypto.randomUUID();
    await registry.connect(user, 'old');
    await registry.connect(user, 'stale');
    const seen = await registry.connect(user, 'here');
    expect([...seen.keys()].sort()).toEqual(['old', 'stale']);
    // 'stale' was only late: it has the user back (a newer entry) before the drop lands.
    await new Promise((r) => setTimeout(r, 2));
    await registry.connect(user, 'stale');
    await registry.forgetReplicas(user, new Map([['old', seen.get('old')!]]));
    await registry.forgetReplicas(user, new Map([['stale', seen.get('stale')!]]));
    expect((await registry.users([user])).get(user)?.replicaIds.sort()).toEqual(['here', 'stale']);
  });
});
