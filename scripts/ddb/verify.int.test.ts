import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, messageSortKey } from '@cruddur/ddb';
import {
  createTestQueue,
  createTestTable,
  documentClient,
  sqsClient,
  type TestQueue,
  type TestTable,
  testStack,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMessageEvents, verifyQueues, verifyTable } from './verify.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const G = '00000000-0000-4000-8000-0000000000aa';
const M1 = '00000000-0000-4000-8000-0000000000f1';
const M2 = '00000000-0000-4000-8000-0000000000f2';
const T1 = '2026-11-25T10:00:00.000Z';
const T2 = '2026-11-25T10:00:01.000Z';

const message = (uuid: string, at: string, sender: string, text: string) => ({
  ...keys.message(G, at, uuid),
  type: 'message',
  message_uuid: uuid,
  message_group_uuid: G,
  sender_uuid: sender,
  message: text,
  created_at: at,
  members: [A, B],
});
/** A row at message `m`, its owner having read everything up to it. */
const inbox = (owner: string, other: string, m: ReturnType<typeof message>) => ({
  ...keys.inbox(owner, G),
  type: 'inbox',
  owner_uuid: owner,
  message_group_uuid: G,
  other_user_uuid: other,
  last_message_key: m.sk,
  last_message_uuid: m.message_uuid,
  last_message_text: m.message,
  last_message_at: m.created_at,
  last_sender_uuid: m.sender_uuid,
  unread_count: 0,
  last_read_key: m.sk,
});
const profile = (uuid: string) => ({
  ...keys.user(uuid),
  type: 'user',
  uuid,
  handle: uuid.slice(-1),
  display_name: uuid.slice(-1),
  bio: null,
  version: 1,
});

/** One correct conversation of A and B with two messages, as the services write it. */
const consistent = [
  { ...keys.pair(A, B), type: 'pair', message_group_uuid: G },
  { ...keys.conversation(G), type: 'conversation', message_group_uuid: G, members: [A, B] },
  message(M1, T1, A, 'first'),
  message(M2, T2, B, 'second'),
  inbox(A, B, message(M2, T2, B, 'second')),
  inbox(B, A, message(M2, T2, B, 'second')),
  profile(A),
  profile(B),
  {
    ...keys.idempotency(A, 'k1'),
    type: 'idempotency',
    message_group_uuid: G,
    message_sk: messageSortKey(T1, M1),
    expires_at: 4_102_444_800,
  },
];

describe('ddb/verify', () => {
  const stack = testStack();
  const doc = documentClient(stack);
  let table: TestTable;
  let queue: TestQueue;

  beforeAll(async () => {
    [table, queue] = await Promise.all([
      createTestTable(stack, 'verify'),
      createTestQueue(stack, { prefix: 'verify' }),
    ]);
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.name]: consistent.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([table?.drop(), queue?.drop()]);
    doc.destroy();
  });

  it('finds nothing wrong with a consistent conversation, and finds every accepted message', async () => {
    const result = await verifyTable(doc, table.name, {
      expected: [
        { message_uuid: M1, message_group_uuid: G, text: 'first' },
        { message_uuid: M2, message_group_uuid: G, text: 'second' },
      ],
      textPrefix: 's',
    });
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({
      conversations: 1,
      messages: 2,
      inboxRows: 2,
      profiles: 2,
      storedWithPrefix: 1,
    });
  });

  it('reports each kind of broken invariant', async () => {
    const M3 = '00000000-0000-4000-8000-0000000000f3';
    const G2 = '00000000-0000-4000-8000-0000000000bb';
    const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table.name, Item }));
    // A newer message the stream consumer never applied to A's inbox row (B's is moved forward by hand).
    const T3 = '2026-11-25T10:00:02.000Z';
    await put(message(M3, T3, A, 'third'));
    await put(inbox(B, A, message(M3, T3, A, 'third')));
    // A retry that stored a second copy: the same text under another uuid.
    await put(message('00000000-0000-4000-8000-0000000000f4', '2026-11-25T09:00:00.000Z', A, 'first'));
    // The same message uuid under a second key.
    await put({ ...message(M1, T1, A, 'first'), sk: messageSortKey('2026-11-25T08:00:00.000Z', M1) });
    // Messages of a conversation that does not exist, and an idempotency record pointing nowhere.
    await put({ ...message(M3, T3, C, 'lost'), pk: keys.messagePartition(G2), message_group_uuid: G2 });
    await put({
      ...keys.idempotency(A, 'k2'),
      type: 'idempotency',
      message_group_uuid: G,
      message_sk: 'nope',
      expires_at: 4_102_444_800,
    });
    // A message from someone outside the conversation, naming the wrong members.
    await put({ ...message('00000000-0000-4000-8000-0000000000f5', T1, C, 'intruder'), members: [A, C] });
    await doc.send(new DeleteCommand({ TableName: table.name, Key: keys.pair(A, B) }));
    await doc.send(new DeleteCommand({ TableName: table.name, Key: keys.user(B) }));

    const result = await verifyTable(doc, table.name, {
      expected: [
        { message_uuid: M1, message_group_uuid: G, text: 'first' },
        { message_uuid: '00000000-0000-4000-8000-0000000000ff', message_group_uuid: G, text: 'never stored' },
      ],
    });
    const kinds = new Set(result.violations.map((v) => v.kind));
    expect([...kinds].sort()).toEqual(
      [
        'accepted_message_missing',
        'accepted_message_stored_twice',
        'idempotency_dangling',
        'inbox_stale',
        'member_profile_missing',
        'message_duplicated',
        'message_key_mismatch',
        'message_orphan',
        'pair_lock_missing',
        'sender_not_member',
        'message_members_mismatch',
      ].sort(),
    );
    expect(result.violations.find((v) => v.kind === 'inbox_stale')).toMatchObject({ pk: `GRP#${A}`, sk: G });
  });

  it('reports a consumed queue that still holds messages, and not a dead-letter queue', async () => {
    const sqs = sqsClient(stack);
    try {
      const before = await verifyQueues(sqs, { prefix: queue.name });
      expect(before.violations).toEqual([]);
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{}' }));
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.dlqUrl, MessageBody: '{}' }));
      const after = await verifyQueues(sqs, { prefix: queue.name });
      expect(after.violations.map((v) => v.kind)).toEqual(['queue_not_drained']);
      expect(after.deadLettered).toBe(1);
    } finally {
      sqs.destroy();
    }
  });

  it('finds a message with neither a message.created event nor a stream dead letter', async () => {
    const sqs = sqsClient(stack);
    const events = await createTestQueue(stack, { prefix: 'verify-events' });
    try {
      const [withEvent, deadLettered, lost] = [M1, M2, '00000000-0000-4000-8000-0000000000f9'];
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: events.url,
          MessageBody: JSON.stringify({ type: 'message.created', payload: { message_uuid: withEvent } }),
        }),
      );
      // A stream dead letter holds the image as DynamoDB wrote it.
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: events.dlqUrl,
          MessageBody: JSON.stringify({
            reason: 'publish failed',
            new_image: { message_uuid: { S: deadLettered } },
          }),
        }),
      );
      const result = await verifyMessageEvents(sqs, {
        messageEventsUrl: events.url,
        streamDlqUrl: events.dlqUrl,
        expected: [withEvent, deadLettered, lost].map((message_uuid) => ({
          message_uuid,
          message_group_uuid: G,
        })),
      });
      expect(result.events).toBe(1);
      expect(result.deadLetters).toEqual([{ message_uuid: deadLettered, reason: 'publish failed' }]);
      expect(result.violations.map((v) => v.detail)).toEqual([
        `accepted message ${lost} has no message.created event and no dead letter`,
      ]);
    } finally {
      await events.drop();
      sqs.destroy();
    }
  });
});
