import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createEvent, type EventEnvelope, parseEventBundleJson } from '@cruddur/contracts';
import {
  createTestQueue,
  documentClient,
  dynamoClient,
  sqsClient,
  type TestQueue,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRegistry } from './registry.ts';
import { ReplicaDirectory } from './replica-directory.ts';
import { connectionTableDefinition } from './table.ts';
import { TargetedPublisher, type TargetedSend } from './targeted-publisher.ts';

const stack = testStack();
const ddb = dynamoClient(stack);
const doc = documentClient(stack);
const sqs = sqsClient(stack);
const table = uniqueName('connections');
const registry = new ConnectionRegistry({ ddb: doc, table });
const sends: TargetedSend[] = [];
const publisher = new TargetedPublisher({
  sqs,
  registry,
  // No cache: each publish sees the registry as it is now.
  directory: new ReplicaDirectory({ registry, cacheMs: 1 }),
  onSend: (send) => sends.push(send),
});
const queues: TestQueue[] = [];

const [ann, ben, cat, dan] = [
  crypto.randomUUID(),
  crypto.randomUUID(),
  crypto.randomUUID(),
  crypto.randomUUID(),
];

const message = (members: string[]) =>
  createEvent(
    'message.created',
    {
      message_group_uuid: crypto.randomUUID(),
      message_uuid: crypto.randomUUID(),
      sender_uuid: members[0]!,
      members,
      message: 'hi',
      created_at: new Date().toISOString(),
    },
    { traceId: 'targeted-test' },
  );

/** Everything waiting on a queue, as events (bundles unpacked). */
async function drain(queue: TestQueue): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return events;
    for (const m of Messages) {
      const parsed = parseEventBundleJson(m.Body);
      if (!parsed.ok) throw new Error(parsed.reason);
      events.push(...parsed.events);
    }
  }
}

beforeAll(async () => {
  await ddb.send(new CreateTableCommand(connectionTableDefinition(table)));
  queues.push(...(await Promise.all([1, 2, 3].map(() => createTestQueue(stack, { prefix: 'replica' })))));
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.drop()));
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  for (const client of [ddb, doc, sqs]) client.destroy();
});

describe('targeted delivery through the connection registry', () => {
  it('sends one bundle per replica that holds a recipient, and nothing to the others', async () => {
    const [q1, q2, q3] = queues as [TestQueue, TestQueue, TestQueue];
    await registry.announceReplica('r1', q1.url, 60_000);
    await registry.announceReplica('r2', q2.url, 60_000);
    await registry.announceReplica('r3', q3.url, 60_000);
    await registry.connect(ann, 'r1');
    await registry.connect(ben, 'r2');
    await registry.connect(ben, 'r1'); // two tabs, on two replicas
    await registry.connect(cat, 'r3');

    const toAnnBen = message([ann, ben]);
    const toBenDan = message([ben, dan]); // dan is connected nowhere
    await publisher.publish([toAnnBen, toBenDan]);

    expect((await drain(q1)).map((e) => e.id)).toEqual([toAnnBen.id, toBenDan.id]);
    expect((await drain(q2)).map((e) => e.id)).toEqual([toAnnBen.id, toBenDan.id]);
    expect(await drain(q3)).toEqual([]);
    expect(sends.at(-1)).toEqual({ events: 2, replicas: 2, messages: 2 });
  });

  it('stops sending to a user once disconnected, and to a replica once it expired or retired', async () => {
    const [q1, q2, q3] = queues as [TestQueue, TestQueue, TestQueue];
    expect(await registry.disconnect(ben, 'r1')).toEqual(['r2']);
    await publisher.publish([message([ann, ben])]);
    expect(await drain(q1)).toHaveLength(1); // ann
    expect(await drain(q2)).toHaveLength(1); // ben, on r2 only now

    // r2 stops heartbeating: an entry that expired (DynamoDB Local never deletes it) counts as dead.
    await registry.announceReplica('r2', q2.url, 1);
    await registry.retireReplica('r3');
    await publisher.publish([message([ben, cat])]);
    expect(await drain(q2)).toEqual([]);
    expect(await drain(q3)).toEqual([]);
    expect((await registry.users([ben])).get(ben)?.lastSeenAt).toEqual(expect.any(String));
  });

  it('sends a deleted account to every live replica, whoever it holds, and leaves stopped ones to the reaper', async () => {
    const [q1, q2, q3] = queues as [TestQueue, TestQueue, TestQueue];
    await Promise.all([q1, q2, q3].map(drain));
    await registry.announceReplica('r1', q1.url, 60_000);
    await registry.announceReplica('r2', q2.url, 60_000);
    await registry.announceReplica('r3', q3.url, 1); // stopped heartbeating
    const deleted = createEvent(
      'user.deleted',
      { uuid: crypto.randomUUID(), cognito_user_id: null },
      { traceId: 'targeted-test' },
    );
    await publisher.publish([deleted, message([ann])]);
    expect((await drain(q1)).map((e) => e.type).sort()).toEqual(['message.created', 'user.deleted']);
    expect((await drain(q2)).map((e) => e.type)).toEqual(['user.deleted']);
    expect(await drain(q3)).toEqual([]);
    expect((await registry.indexedReplicaIds()).sort()).toEqual(expect.arrayContaining(['r1', 'r2', 'r3']));
  });

  it('treats a queue that is gone as a replica that stopped, without failing the publish', async () => {
    const gone = await createTestQueue(stack, { prefix: 'gone' });
    await registry.announceReplica('r4', gone.url, 60_000);
    await registry.connect(dan, 'r4');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: gone.url }));
    await expect(publisher.publish([message([dan])])).resolves.toBeUndefined();
    await gone.drop();
  });
});
