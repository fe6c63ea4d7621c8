import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, SHARD_END, shardLeaseKey } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import {
  type Conversation,
  createWorld,
  InMemoryStream,
  messageItem,
  type TestWorld,
} from '@cruddur/stream-testing';
import { testStack } from '@cruddur/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from './leases/lease-store.ts';
import { type RunningStreamConsumer, startStreamConsumer } from './service.ts';

let world: TestWorld;
let running: RunningStreamConsumer[] = [];

beforeAll(async () => {
  world = await createWorld(testStack());
});
afterEach(async () => {
  await Promise.allSettled(running.map((c) => c.stop()));
  running = [];
});
afterAll(async () => {
  await world.dispose();
});

const conversation = (): Conversation => ({ group: randomUUID(), a: randomUUID(), b: randomUUID() });

async function start(stream: InMemoryStream, leaseTable: string) {
  const consumer = await startStreamConsumer(world.config({ DDB_LEASE_TABLE: leaseTable }), {
    logger: silentLogger,
    streamsClient: stream,
  });
  running.push(consumer);
  return consumer;
}

async function freshLeaseTable() {
  const { createLeaseTable } = await import('@cruddur/stream-testing');
  const { uniqueName } = await import('@cruddur/test-kit');
  const table = await createLeaseTable(testStack().dynamodbEndpoint, uniqueName('leases'));
  world.defer(table.drop);
  return table.name;
}

async function lastMessageOf(owner: string, group: string) {
  const out = await world.ddb.send(
    new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
  );
  return out.Item?.last_message_uuid as string | undefined;
}

describe('lease coordination over an in-memory stream with many shards', () => {
  it('balances six shards over one, two and three workers, and takes over a graceful and a crashed leaver', async () => {
    const leaseTable = await freshLeaseTable();
    const stream = new InMemoryStream(world.table);
    const shards = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const chats = shards.map(() => conversation());
    for (const shard of shards) stream.addShard(shard);
    const sendAll = (text: string) => {
      for (const [i, shard] of shards.entries()) stream.put(shard, messageItem(chats[i]!, chats[i]!.a, text));
    };

    const w1 = await start(stream, leaseTable);
    await expect.poll(() => w1.leases().length, { timeout: 10_000 }).toBe(6);
    const w2 = await start(stream, leaseTable);
    await expect.poll(() => [w1.leases().length, w2.leases().length], { timeout: 15_000 }).toEqual([3, 3]);
    const w3 = await start(stream, leaseTable);
    await expect
      .poll(() => [w1, w2, w3].map((w) => w.leases().length), { timeout: 15_000 })
      .toEqual([2, 2, 2]);
    const owners = new Set([...w1.leases(), ...w2.leases(), ...w3.leases()]);
    expect(owners.size).toBe(6);

    sendAll('before leaving');
    await w1.stop();
    await expect.poll(() => [w2, w3].map((w) => w.leases().length), { timeout: 15_000 }).toEqual([3, 3]);

    await w2.kill();
    await expect.poll(() => w3.leases().length, { timeout: 15_000 }).toBe(6);
    sendAll('after the crash');
    // Every shard's newest message reached its conversation.
    for (const [i, shard] of shards.entries()) {
      const { Records: records } = await stream.getRecords({
        ShardIterator: (
          await stream.getShardIterator({
            StreamArn: stream.streamArn,
            ShardId: shard,
            ShardIteratorType: 'TRIM_HORIZON',
          })
        ).ShardIterator,
      });
      const newest = records?.at(-1)?.dynamodb?.NewImage?.message_uuid?.S;
      await expect.poll(() => lastMessageOf(chats[i]!.b, chats[i]!.group), { timeout: 15_000 }).toBe(newest);
    }
  }, 60_000);

  it('reads a parent to its end before its children, and picks up a child that appears later', async () => {
    const leaseTable = await freshLeaseTable();
    const stream = new InMemoryStream(world.table);
    const chat = conversation();
    const other = conversation();
    // Listed children first: DescribeStream order means nothing, lineage comes from ParentShardId.
    stream.addShard('child-a', 'parent').addShard('child-b', 'parent').addShard('parent');
    for (let i = 0; i < 5; i++) stream.put('parent', messageItem(chat, chat.a, `p${i}`));
    stream.closeShard('parent');
    const inChildA = messageItem(chat, chat.b, 'child a');
    stream.put('child-a', inChildA);
    const inChildB = messageItem(other, other.a, 'child b');
    stream.put('child-b', inChildB);

    await start(stream, leaseTable);
    await start(stream, leaseTable);
    await expect
      .poll(() => lastMessageOf(chat.a, chat.group), { timeout: 15_000 })
      .toBe(inChildA.message_uuid);
    await expect
      .poll(() => lastMessageOf(other.b, other.group), { timeout: 15_000 })
      .toBe(inChildB.message_uuid);

    const parentEnd = stream.reads.findIndex((r) => r.shardId === 'parent' && r.ended);
    const firstChildRead = stream.reads.findIndex((r) => r.shardId.startsWith('child'));
    expect(parentEnd).toBeGreaterThanOrEqual(0);
    expect(firstChildRead).toBeGreaterThan(parentEnd);
    const store = new LeaseStore({ ddb: world.ddb, table: leaseTable });
    const parentLease = (await store.snapshot()).leases.find(
      (l) => l.lease_key === shardLeaseKey(stream.streamArn, 'parent'),
    );
    expect(parentLease).toMatchObject({ checkpoint: SHARD_END });
    expect(parentLease?.owner).toBeUndefined();

    // child-a ends and gets a child of its own (a rollover): found by discovery, read after child-a's end.
    stream.addShard('grandchild', 'child-a');
    const inGrandchild = messageItem(chat, chat.a, 'grandchild');
    stream.put('grandchild', inGrandchild);
    stream.closeShard('child-a');
    await expect
      .poll(() => lastMessageOf(chat.b, chat.group), { timeout: 15_000 })
      .toBe(inGrandchild.message_uuid);
    const childEnd = stream.reads.findIndex((r) => r.shardId === 'child-a' && r.ended);
    expect(stream.reads.findIndex((r) => r.shardId === 'grandchild')).toBeGreaterThan(childEnd);
  });

  it('recovers from expired iterators, throttling and trimmed records, and counts the gap', async () => {
    const leaseTable = await freshLeaseTable();
    const stream = new InMemoryStream(world.table);
    const chat = conversation();
    stream.addShard('only');
    stream.put('only', messageItem(chat, chat.a, 'first'));
    const consumer = await start(stream, leaseTable);
    const second = messageItem(chat, chat.b, 'second');
    stream.failNext('getRecords', 'ThrottlingException', 3);
    stream.put('only', second);
    await expect.poll(() => lastMessageOf(chat.a, chat.group), { timeout: 15_000 }).toBe(second.message_uuid);

    stream.expireIterators();
    const third = messageItem(chat, chat.a, 'third');
    stream.put('only', third);
    await expect.poll(() => lastMessageOf(chat.b, chat.group), { timeout: 15_000 }).toBe(third.message_uuid);

    // Two records land and the older one is trimmed before the worker sees either: it must resume at the
    // oldest record still there instead of stalling, and say that it skipped something.
    const lost = messageItem(chat, chat.b, 'lost');
    const kept = messageItem(chat, chat.b, 'kept');
    stream.put('only', lost);
    stream.put('only', kept);
    stream.trim('only', 4);
    await expect.poll(() => lastMessageOf(chat.a, chat.group), { timeout: 15_000 }).toBe(kept.message_uuid);
    const metrics = await (await fetch(`${consumer.url}/metrics`)).text();
    expect(metrics).toMatch(/stream_consumer_trimmed_gaps_total\{[^}]*shard="only"[^}]*\} 1/);
    expect(metrics).toMatch(/stream_consumer_iterator_renewals_total\{[^}]*reason="expired"[^}]*\} [1-9]/);
  });
  it('applies a backlog of one conversation in one update per member with exact unread counts, and a replay changes nothing', async () => {
    const stream = new InMemoryStream(world.table);
    stream.addShard('backlog');
    const chat = conversation();
    const sent = Array.from({ length: 9 }, (_, i) =>
      messageItem(chat, i % 3 === 0 ? chat.a : chat.b, `b${i}`),
    );
    // The items exist in the table too (only their stream is in memory): a replay recounts unread from them.
    for (const item of sent) {
      stream.put('backlog', item);
      await world.ddb.send(new PutCommand({ TableName: world.table, Item: item }));
    }
    const row = async (owner: string) =>
      (
        await world.ddb.send(
          new GetCommand({
            TableName: world.table,
            Key: keys.inbox(owner, chat.group),
            ConsistentRead: true,
          }),
        )
      ).Item;
    const first = await start(stream, await freshLeaseTable());
    // Both members' rows are updated at once, so one may land a moment after the other.
    await expect
      .poll(async () => [(await row(chat.a))?.last_message_uuid, (await row(chat.b))?.last_message_uuid], {
        timeout: 15_000,
      })
      .toEqual([sent.at(-1)!.message_uuid, sent.at(-1)!.message_uuid]);
    expect(await row(chat.a)).toMatchObject({
      unread_count: 6,
      last_sender_uuid: chat.b,
      other_user_uuid: chat.b,
    });
    expect(await row(chat.b)).toMatchObject({ unread_count: 3, last_message_text: 'b8' });
    await first.stop();

    const before = [await row(chat.a), await row(chat.b)];
    const replayLeases = await freshLeaseTable();
    await start(stream, replayLeases);
    const store = new LeaseStore({ ddb: world.ddb, table: replayLeases });
    await expect
      .poll(async () => (await store.snapshot()).leases[0]?.checkpoint, { timeout: 15_000 })
      .toMatch(/^0+\d+$/);
    expect([await row(chat.a), await row(chat.b)]).toEqual(before);
  });
});
