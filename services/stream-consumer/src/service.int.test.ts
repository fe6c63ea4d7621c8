import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createStreamsClient } from '@cruddur/aws';
import { parseEventJson } from '@cruddur/contracts';
import { keys } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import {
  createLeaseTable,
  drainQueue,
  nextTimestamp,
  sendMessage,
  startConversation,
  testConfig,
} from '@cruddur/stream-testing';
import {
  createTestQueue,
  createTestTable,
  createTestTopic,
  documentClient,
  sqsClient,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from './leases/lease-store.ts';
import { compareSequenceNumbers } from './records/stream-record.ts';
import { type RunningStreamConsumer, startStreamConsumer } from './service.ts';
import { sdkStreamsApi } from './shards/streams-api.ts';
import { streamStatus } from './status/stream-status.ts';

const stack = testStack();
const ddb = documentClient(stack);
const sqs = sqsClient(stack);
const cleanup: (() => Promise<void>)[] = [];
let table: string;
let topicArn: string;
let eventsUrl: string;
let dlqUrl: string;
const received: string[] = [];

async function newLeaseTable() {
  const lt = await createLeaseTable(stack.dynamodbEndpoint, uniqueName('leases'));
  cleanup.push(lt.drop);
  return lt.name;
}

async function startConsumer(leaseTable: string, extra: Record<string, string> = {}) {
  const consumer = await startStreamConsumer(
    testConfig(stack, { table, leaseTable, topicArn, dlqUrl, ...extra }),
    {
      logger: silentLogger,
    },
  );
  cleanup.push(() => consumer.stop());
  return consumer;
}

async function inbox(owner: string, group: string) {
  return (
    await ddb.send(new GetCommand({ TableName: table, Key: keys.inbox(owner, group), ConsistentRead: true }))
  ).Item;
}

async function events() {
  received.push(...(await drainQueue(sqs, eventsUrl)));
  return received.map((b) => {
    const parsed = parseEventJson(b);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
}

beforeAll(async () => {
  const [t, topic, eventsQueue, dlq] = await Promise.all([
    createTestTable(stack),
    createTestTopic(stack),
    createTestQueue(stack, { prefix: 'events' }),
    createTestQueue(stack, { prefix: 'stream-dlq' }),
  ]);
  cleanup.push(t.drop, topic.drop, eventsQueue.drop, dlq.drop);
  await topic.subscribe(eventsQueue.arn);
  table = t.name;
  topicArn = topic.arn;
  eventsUrl = eventsQueue.url;
  dlqUrl = dlq.url;
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  ddb.destroy();
  sqs.destroy();
});

describe('stream consumer against DynamoDB Local', () => {
  let consumer: RunningStreamConsumer;
  let leaseTable: string;

  it('moves both inbox rows forward, counts unread for recipients only, publishes once per message and ignores other records', async () => {
    const { conversation: c, first } = await startConversation(ddb, table);
    leaseTable = await newLeaseTable();
    consumer = await startConsumer(leaseTable);
    const m1 = await sendMessage(ddb, table, c, c.b, 'one');
    const m2 = await sendMessage(ddb, table, c, c.a, 'two');
    const m3 = await sendMessage(ddb, table, c, c.b, 'three');
    await expect
      .poll(async () => (await inbox(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m3.message_uuid);
    expect(await inbox(c.a, c.group)).toMatchObject({
      last_message_text: 'three',
      last_sender_uuid: c.b,
      last_message_at: m3.created_at,
      other_user_uuid: c.b,
      unread_count: 2,
    });
    expect(await inbox(c.b, c.group)).toMatchObject({ last_message_uuid: m3.message_uuid, unread_count: 2 });

    // A rewrite of the newest message that moves no edit_version (not an edit by the app) and a non-message item
    // must not touch the inbox; the removal of an older message (a TTL) takes it out of the unread count.
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: m3.pk, sk: m3.sk },
        UpdateExpression: 'SET message = :t',
        ExpressionAttributeValues: { ':t': 'edited' },
      }),
    );
    await ddb.send(new DeleteCommand({ TableName: table, Key: { pk: m2.pk, sk: m2.sk } }));
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.user(c.a),
        UpdateExpression: 'SET handle = :h',
        ExpressionAttributeValues: { ':h': 'someone' },
      }),
    );
    const marker = await sendMessage(ddb, table, { group: c.group, a: c.a, b: c.b }, c.a, 'four');
    await expect
      .poll(async () => (await inbox(c.b, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(marker.message_uuid);
    expect(await inbox(c.b, c.group)).toMatchObject({ last_message_text: 'four', unread_count: 2 });
    expect(await inbox(c.a, c.group)).toMatchObject({ unread_count: 2 });

    await expect
      .poll(async () => (await events()).filter((e) => e.type === 'message.created').length, {
        timeout: 15_000,
      })
      .toBe(5);
    const all = await events();
    const created = all.filter((e) => e.type === 'message.created');
    expect(created.map((e) => (e.payload as { message_uuid: string }).message_uuid).sort()).toEqual(
      [first, m1, m2, m3, marker].map((m) => m.message_uuid).sort(),
    );
    expect(
      created.find((e) => (e.payload as { message_uuid: string }).message_uuid === m3.message_uuid)?.payload,
    ).toMatchObject({
      message: 'three',
    });
    // One inbox.updated per state a row reached; messages of one conversation handled in one batch may skip
    // intermediate states, but every member's final state is published.
    const latestFor = async (owner: string) =>
      (await events())
        .filter(
          (e) => e.type === 'inbox.updated' && (e.payload as { owner_uuid: string }).owner_uuid === owner,
        )
        .at(-1)?.payload;
    await expect
      .poll(() => latestFor(c.b))
      .toMatchObject({
        owner_uuid: c.b,
        other_user_uuid: c.a,
        unread_count: 2,
        last_message: { uuid: marker.message_uuid, text: 'four', sender_uuid: c.a },
      });
    await expect
      .poll(() => latestFor(c.a))
      .toMatchObject({ unread_count: 2, last_message: { uuid: marker.message_uuid } });
    const updates = (await events()).filter((e) => e.type === 'inbox.updated');
    expect(new Set(updates.map((e) => e.id)).size).toBe(updates.length);
  }, 60_000);

  it('reports shards, leases, lag and workers for stream-status, and metrics over HTTP', async () => {
    const streams = createStreamsClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint });
    // The test before left records that are checkpointed after their batch: seconds later on a loaded machine.
    await expect
      .poll(
        async () =>
          (await streamStatus({ streams: sdkStreamsApi(streams), ddb, table, leaseTable })).shards[0]
            ?.pending_records,
        { timeout: 15_000, interval: 200 },
      )
      .toBe(0);
    const status = await streamStatus({ streams: sdkStreamsApi(streams), ddb, table, leaseTable });
    streams.destroy();
    expect(status.shards).toHaveLength(1);
    expect(status.shards[0]).toMatchObject({
      state: 'owned',
      owner: consumer.workerId,
      parent_shard_id: null,
      lag_ms: 0,
    });
    expect(status.shards[0]?.checkpoint).toMatch(/^\d+$/);
    expect(status.workers).toEqual([
      expect.objectContaining({ worker_id: consumer.workerId, alive: true, leases_held: 1 }),
    ]);

    const metrics = await (await fetch(`${consumer.url}/metrics`)).text();
    expect(metrics).toMatch(/stream_consumer_records_total\{outcome="applied"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/stream_consumer_leases_held\{[^}]*\} 1/);
    expect(metrics).toContain('stream_consumer_shard_lag_ms');
    expect((await fetch(`${consumer.url}/readyz`)).status).toBe(200);
  });

  it('replays the whole stream without changing any row or publishing a new event id', async () => {
    const { conversation: c } = await startConversation(ddb, table);
    for (let i = 0; i < 5; i++) await sendMessage(ddb, table, c, i % 2 ? c.a : c.b, `r${i}`);
    const last = await sendMessage(ddb, table, c, c.b, 'last');
    await expect
      .poll(async () => (await inbox(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(last.message_uuid);
    await expect.poll(async () => (await inbox(c.b, c.group))?.last_message_uuid).toBe(last.message_uuid);
    const before = [await inbox(c.a, c.group), await inbox(c.b, c.group)];
    await consumer.stop();
    const idsBefore = new Set((await events()).map((e) => e.id));

    // A fresh lease table means every record of the stream is delivered again, from TRIM_HORIZON.
    const replayLeases = await newLeaseTable();
    const replay = await startConsumer(replayLeases);
    const store = new LeaseStore({ ddb, table: replayLeases });
    const oldCheckpoint = (await new LeaseStore({ ddb, table: leaseTable }).snapshot()).leases[0]!.checkpoint;
    // Past the old checkpoint: the first worker's own inbox writes added records after it.
    await expect
      .poll(
        async () =>
          compareSequenceNumbers((await store.snapshot()).leases[0]?.checkpoint ?? '0', oldCheckpoint),
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThanOrEqual(0);
    expect([await inbox(c.a, c.group), await inbox(c.b, c.group)]).toEqual(before);
    // Only this conversation: the first one had a message deleted, which a recount rightly no longer counts.
    const replayed = (await events()).filter(
      (e) =>
        !idsBefore.has(e.id) && (e.payload as { message_group_uuid: string }).message_group_uuid === c.group,
    );
    expect(replayed).toEqual([]);
    consumer = replay;
    leaseTable = replayLeases;
  }, 60_000);

  it('keeps unread exact when an older message arrives after a newer one, and respects the read marker', async () => {
    const { conversation: c } = await startConversation(ddb, table);
    const older = nextTimestamp();
    const newer = nextTimestamp();
    const m2 = await sendMessage(ddb, table, c, c.b, 'newer', newer);
    await expect
      .poll(async () => (await inbox(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m2.message_uuid);
    await sendMessage(ddb, table, c, c.b, 'older', older);
    await expect.poll(async () => (await inbox(c.a, c.group))?.unread_count, { timeout: 15_000 }).toBe(2);
    expect(await inbox(c.a, c.group)).toMatchObject({
      last_message_uuid: m2.message_uuid,
      last_message_text: 'newer',
    });

    // The owner reads up to the head (what the messaging service's read endpoint does); a late message from
    // before the marker then counts nothing, and the next new message counts one.
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.inbox(c.a, c.group),
        UpdateExpression: 'SET unread_count = :z, last_read_key = :k',
        ExpressionAttributeValues: { ':z': 0, ':k': m2.sk },
      }),
    );
    await sendMessage(ddb, table, c, c.b, 'very old', '2020-01-01T00:00:00.000Z');
    const m3 = await sendMessage(ddb, table, c, c.b, 'fresh');
    await expect
      .poll(async () => (await inbox(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m3.message_uuid);
    expect(await inbox(c.a, c.group)).toMatchObject({ unread_count: 1 });
  });

  it('dead-letters a poison record with its reason and moves the shard past it', async () => {
    const { conversation: c } = await startConversation(ddb, table);
    const poison = {
      ...(await sendMessage(ddb, table, c, c.b, 'fine')),
      members: 'not-a-list',
      message_uuid: undefined,
    };
    const badKey = { pk: poison.pk, sk: `${nextTimestamp()}#poison` };
    await ddb.send(new PutCommand({ TableName: table, Item: { ...poison, ...badKey } }));
    const after = await sendMessage(ddb, table, c, c.a, 'after poison');
    await expect
      .poll(async () => (await inbox(c.b, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(after.message_uuid);
    // Before anyone reads it, the dead letter shows as the stream-dlq depth on every worker's /metrics.
    await expect
      .poll(async () => (await fetch(`${consumer.url}/metrics`)).text(), { timeout: 10_000 })
      .toMatch(/^dead_letter_queue_messages\{queue="stream-dlq",service="stream-consumer",[^}]*\} 1$/m);
    const letters: string[] = [];
    await expect
      .poll(async () => {
        letters.push(...(await drainQueue(sqs, dlqUrl)));
        return letters.length;
      })
      .toBe(1);
    const letter = JSON.parse(letters[0]!);
    expect(letter).toMatchObject({
      event_name: 'INSERT',
      attempts: 1,
      retryable: false,
      worker_id: consumer.workerId,
    });
    expect(letter.reason).toMatch(/malformed message item/);
    expect(letter.keys).toEqual({ pk: { S: badKey.pk }, sk: { S: badKey.sk } });
    expect(letter.sequence_number).toMatch(/^\d+$/);
  });
  it('fails to start, leaving nothing running, when the lease table never comes', async () => {
    const missing = uniqueName('missing');
    await expect(
      startStreamConsumer(
        testConfig(stack, { table, leaseTable: missing, topicArn, dlqUrl, TABLE_WAIT_MS: '300' }),
        { logger: silentLogger },
      ),
    ).rejects.toThrow(`table ${missing} not found after 300 ms`);
  });

  it('waits for a lease table made after it started, then takes the shards', async () => {
    const late = uniqueName('leases');
    let started = false;
    const starting = startConsumer(late).then((c) => {
      started = true;
      return c;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(started).toBe(false);
    cleanup.push((await createLeaseTable(stack.dynamodbEndpoint, late)).drop);
    const lateConsumer = await starting;
    await expect.poll(() => lateConsumer.leases().length, { timeout: 15_000 }).toBeGreaterThan(0);
  });
});
