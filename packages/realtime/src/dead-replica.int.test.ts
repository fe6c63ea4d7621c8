import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
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
    await registry.forgetDeadReplica(crashed, 'gone', heartbeat);
    await registry.forgetDeadReplica(laterElsewhere, 'gone', heartbeat);
    const after = await registry.users([crashed, laterElsewhere]);
    expect(after.get(crashed)).toEqual({ replicaIds: [], lastSeenAt: heartbeat });
    expect(after.get(laterElsewhere)).toEqual({ replicaIds: [], lastSeenAt: expect.any(String) });
    expect(after.get(laterElsewhere)?.lastSeenAt).not.toBe(heartbeat);
  });
});
