import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '@cruddur/config';
import { userItem } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { messagingConfigSchema, startMessagingService } from '@cruddur/messaging';
import {
  leaseTableDefinition,
  startStreamConsumer,
  streamConsumerConfigSchema,
} from '@cruddur/stream-consumer';
import {
  callJson,
  createTestQueue,
  createTestServiceKeys,
  createTestTable,
  createTestTopic,
  documentClient,
  dynamoClient,
  retryingConflicts,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyTable } from './table.ts';

/**
 * The checker against what the real writers leave: the messaging service's group transactions and the stream
 * consumer's row updates, with sends racing an add, a leave and a rename. A correct system must verify clean,
 * so a group invariant the writers do not keep (or that the checker gets wrong) shows up here.
 */
const stack = testStack();
const doc = documentClient(stack);
const serviceKeys = await createTestServiceKeys();
const teardown: (() => Promise<unknown>)[] = [];
/**
 * Attempts for each request of the race (a 409 while another write holds the group): about 15 s of backoff. Ten
 * (about 3 s) ran out in CI runs on 2 cores, for a member change once and for two sends once.
 */
const RACE_ATTEMPTS = 30;
let messagingUrl: string;
/** A second messaging replica on the same table: the races happen across replicas too. */
let otherReplicaUrl: string;
let table: string;

beforeAll(async () => {
  const [messages, topic, dlq, usersQueue] = await Promise.all([
    createTestTable(stack, 'verify-live'),
    createTestTopic(stack),
    createTestQueue(stack, { prefix: 'verify-live-dlq' }),
    createTestQueue(stack, { prefix: 'verify-live-users' }),
  ]);
  table = messages.name;
  teardown.push(messages.drop, topic.drop, dlq.drop, usersQueue.drop);
  const leaseTable = uniqueName('verify-live-leases');
  const ddb = dynamoClient(stack);
  await ddb.send(new CreateTableCommand(leaseTableDefinition(leaseTable)));
  teardown.push(async () => {
    await ddb.send(new DeleteTableCommand({ TableName: leaseTable })).catch(() => undefined);
    ddb.destroy();
  });
  const common = {
    PORT: '0',
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    DDB_ENDPOINT: stack.dynamodbEndpoint,
    SQS_ENDPOINT: stack.sqsEndpoint,
    SNS_ENDPOINT: stack.sqsEndpoint,
    DDB_MESSAGE_TABLE: table,
  };
  const messagingConfig = messagingConfigSchema.parse({
    ...common,
    USERS_EVENTS_QUEUE_URL: usersQueue.url,
    // Group members come resolved in the request; nothing here calls the users service.
    USERS_URL: 'http://127.0.0.1:9',
    SERVICE_AUTH_PRIVATE_KEY: serviceKeys.privateKeyJson('messaging'),
    SERVICE_AUTH_PUBLIC_KEYS: serviceKeys.publicKeysJson,
  });
  const [messaging, other] = await Promise.all(
    [1, 2].map(() =>
      startMessagingService(messagingConfig, { logger: silentLogger, usersEventsWaitSeconds: 1 }),
    ),
  );
  teardown.push(
    () => messaging!.stop(),
    () => other!.stop(),
  );
  messagingUrl = messaging!.url;
  otherReplicaUrl = other!.url;
  const consumer = await startStreamConsumer(
    loadConfig(streamConsumerConfigSchema, {
      ...common,
      DDB_LEASE_TABLE: leaseTable,
      MESSAGE_EVENTS_TOPIC_ARN: topic.arn,
      // These tests read the events off the topic; targeted delivery has no gateway to send to here.
      REALTIME_DELIVERY: 'broadcast',
      STREAM_DLQ_URL: dlq.url,
      WORKER_ID: `verify-live-${randomUUID().slice(0, 8)}`,
      POLL_INTERVAL_MS: '50',
      TAKE_INTERVAL_MS: '300',
      SHARD_SYNC_INTERVAL_MS: '500',
    }),
    { logger: silentLogger },
  );
  teardown.push(() => consumer.stop());
});
afterAll(async () => {
  for (const step of teardown.reverse()) await step().catch(() => undefined);
  doc.destroy();
});

const person = (handle: string) => ({ uuid: randomUUID(), handle, display_name: handle });
const [ann, bob, cat, dan, eve] = ['ann', 'bob', 'cat', 'dan', 'eve'].map(person) as [
  ReturnType<typeof person>,
  ReturnType<typeof person>,
  ReturnType<typeof person>,
  ReturnType<typeof person>,
  ReturnType<typeof person>,
];

async function call(path: string, as: string, body?: unknown, method?: string, replica = messagingUrl) {
  return callJson(`${replica}${path}`, {
    headers: await serviceKeys.asUser('messaging', as),
    ...(body !== undefined ? { body } : {}),
    ...(method ? { method } : {}),
  });
}

describe('verifyTable on a group the messaging service and the stream consumer wrote', () => {
  it('finds nothing wrong once the rows settle, after sends raced an add, a leave and a rename', {
    timeout: 60_000,
  }, async () => {
    // Everyone's profile is in the replica, as users-events would have put it.
    for (const p of [ann, bob, cat, dan, eve])
      await doc.send(new PutCommand({ TableName: table, Item: userItem({ ...p, bio: null, version: 1 }) }));
    const started = await call('/internal/groups', ann.uuid, {
      members: [bob, cat],
      title: 'Live',
      message: 'welcome',
    });
    expect(started.status).toBe(201);
    const group: string = started.body.group.message_group_uuid;
    const send = (who: { uuid: string }, n: number) =>
      retryingConflicts(() =>
        call(`/internal/conversations/${group}/messages`, who.uuid, {
          message: `live ${n}`,
          idempotency_key: `live-${n}`,
        }),
      );

    const outcomes = await Promise.all([
      ...Array.from({ length: 12 }, (_, n) => send([ann, bob, cat][n % 3]!, n)),
      retryingConflicts(() => call(`/internal/conversations/${group}/members`, bob.uuid, { members: [dan] })),
      retryingConflicts(() => call(`/internal/conversations/${group}/leave`, cat.uuid, undefined, 'POST')),
      retryingConflicts(() =>
        call(`/internal/conversations/${group}`, ann.uuid, { title: 'Live, renamed' }, 'PATCH'),
      ),
      retryingConflicts(() => call(`/internal/conversations/${group}/members`, ann.uuid, { members: [eve] })),
    ]);
    // The changes all commit (each retried on the state another one moved); cat's sends may come after the
    // leave, and are then refused.
    expect(outcomes.slice(12).map((o) => o.status)).toEqual([200, 200, 200, 200]);
    outcomes.slice(0, 12).forEach((o, n) => {
      expect(n % 3 === 2 ? [201, 404] : [201]).toContain(o.status);
    });
    expect((await send(dan, 100)).status).toBe(201);
    expect((await send(eve, 101)).status).toBe(201);
    expect((await send(cat, 102)).status).toBe(404);

    await vi.waitFor(
      async () => {
        const result = await verifyTable(doc, table);
        expect(result.violations).toEqual([]);
        expect(result).toMatchObject({ groups: 1, inboxRows: 4 });
      },
      { timeout: 30_000, interval: 250 },
    );

    // Reactions and read marks as the live service writes them pass the same checks; a leaver may do neither.
    const page = await call(`/internal/conversations/${group}/messages?limit=100`, eve.uuid);
    const newest = (page.body.items as { uuid: string }[]).slice(-2);
    const reaction = (m: { uuid: string }, emoji: string) =>
      `/internal/conversations/${group}/messages/${m.uuid}/reactions/${encodeURIComponent(emoji)}`;
    const reacted = await Promise.all(
      [ann, bob, dan, eve].flatMap((p) =>
        newest.map((m) => call(reaction(m, '👍'), p.uuid, undefined, 'PUT')),
      ),
    );
    expect(reacted.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await call(reaction(newest[0]!, '🎉'), bob.uuid, undefined, 'PUT')).status).toBe(200);
    expect((await call(reaction(newest[0]!, '🎉'), bob.uuid, undefined, 'DELETE')).status).toBe(200);
    expect((await call(reaction(newest[0]!, '👍'), cat.uuid, undefined, 'PUT')).status).toBe(404);
    for (const p of [ann, bob, dan, eve])
      expect((await call(`/internal/conversations/${group}/read`, p.uuid, undefined, 'POST')).status).toBe(
        200,
      );
    const result = await verifyTable(doc, table);
    expect(result.violations).toEqual([]);
  });

  it('stays exact through 20 adds and leaves racing 100 sends on two replicas', {
    timeout: 120_000,
  }, async () => {
    const founders = ['fa', 'fb', 'fc'].map(person);
    const joiners = Array.from({ length: 10 }, (_, i) => person(`j${i}`));
    for (const p of [...founders, ...joiners])
      await doc.send(new PutCommand({ TableName: table, Item: userItem({ ...p, bio: null, version: 1 }) }));
    const [fa, fb, fc] = founders as [
      ReturnType<typeof person>,
      ReturnType<typeof person>,
      ReturnType<typeof person>,
    ];
    const started = await call('/internal/groups', fa.uuid, { members: [fb, fc], message: 'start' });
    const group: string = started.body.group.message_group_uuid;
    const replicaOf = (n: number) => (n % 2 === 0 ? messagingUrl : otherReplicaUrl);
    // 10 joiners added one by one by a founder, each leaving again right after: 20 changes.
    // Each change conflicts with every send in flight to the group, and each send with a change.
    const changes = joiners.map(async (j, n) => {
      const added = await retryingConflicts(
        () =>
          call(
            `/internal/conversations/${group}/members`,
            founders[n % 3]!.uuid,
            { members: [j] },
            'POST',
            replicaOf(n),
          ),
        RACE_ATTEMPTS,
      );
      const left = await retryingConflicts(
        () => call(`/internal/conversations/${group}/leave`, j.uuid, undefined, 'POST', replicaOf(n + 1)),
        RACE_ATTEMPTS,
      );
      return [added.status, left.status];
    });
    const sends = Array.from({ length: 100 }, (_, n) =>
      retryingConflicts(
        () =>
          call(
            `/internal/conversations/${group}/messages`,
            founders[n % 3]!.uuid,
            { message: `race ${n}`, idempotency_key: `race-${n}` },
            'POST',
            replicaOf(n),
          ),
        RACE_ATTEMPTS,
      ),
    );
    const [changed, sent] = await Promise.all([Promise.all(changes), Promise.all(sends)]);
    expect(changed).toEqual(joiners.map(() => [200, 200]));
    expect(sent.map((s) => s.status).filter((s) => s !== 201 && s !== 200)).toEqual([]);
    expect(new Set(sent.map((s) => s.body.uuid)).size).toBe(100);

    await vi.waitFor(
      async () => {
        const result = await verifyTable(doc, table);
        expect(result.violations).toEqual([]);
        // The first test's group (4 rows) and this one's founders.
        expect(result).toMatchObject({ groups: 2, inboxRows: 4 + 3 });
      },
      { timeout: 60_000, interval: 500 },
    );
  });
});

describe('verifyTable on messages edited and deleted while others arrive', () => {
  it('finds previews and unread counts exact after edits, deletes, reads and sends raced on two replicas', {
    timeout: 120_000,
  }, async () => {
    const [xa, xb, xc] = ['xa', 'xb', 'xc'].map(person) as [
      ReturnType<typeof person>,
      ReturnType<typeof person>,
      ReturnType<typeof person>,
    ];
    for (const p of [xa, xb, xc])
      await doc.send(new PutCommand({ TableName: table, Item: userItem({ ...p, bio: null, version: 1 }) }));
    const direct = await call('/internal/conversations', xa.uuid, { recipient_uuid: xb.uuid, message: 'hi' });
    const grouped = await call('/internal/groups', xa.uuid, { members: [xb, xc], message: 'hi all' });
    expect([direct.status, grouped.status]).toEqual([201, 201]);
    const conversations = [
      { group: direct.body.message.message_group_uuid as string, people: [xa, xb] },
      { group: grouped.body.group.message_group_uuid as string, people: [xa, xb, xc] },
    ];
    const replicaOf = (n: number) => (n % 2 === 0 ? messagingUrl : otherReplicaUrl);
    const at = (group: string, uuid: string) => `/internal/conversations/${group}/messages/${uuid}`;
    // Each round: a send, then (by the round) an edit, a delete, an edit and a delete at once, or a delete of the
    // newest message while the next one is sent; and a read now and then. Every change is allowed to lose a race.
    const rounds = conversations.flatMap(({ group, people }) =>
      Array.from({ length: 20 }, async (_, n) => {
        const sender = people[n % people.length]!;
        const sent = await call(`/internal/conversations/${group}/messages`, sender.uuid, {
          message: `change ${n}`,
        });
        expect(sent.status).toBe(201);
        const uuid: string = sent.body.uuid;
        const edit = () =>
          call(at(group, uuid), sender.uuid, { message: `change ${n}, edited` }, 'PATCH', replicaOf(n));
        const remove = () => call(at(group, uuid), sender.uuid, undefined, 'DELETE', replicaOf(n + 1));
        const next = () =>
          call(`/internal/conversations/${group}/messages`, people[(n + 1) % people.length]!.uuid, {
            message: `after ${n}`,
          });
        const read = () =>
          call(
            `/internal/conversations/${group}/read`,
            people[(n + 2) % people.length]!.uuid,
            undefined,
            'POST',
          );
        const steps = [[edit], [remove], [edit, remove], [remove, next], [edit, read, remove]][n % 5]!;
        const answers = await Promise.all(steps.map((step) => step()));
        for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
      }),
    );
    await Promise.all(rounds);

    await vi.waitFor(
      async () => {
        const result = await verifyTable(doc, table);
        expect(result.violations).toEqual([]);
      },
      { timeout: 60_000, interval: 500 },
    );
    // Every round but those of an edit alone deleted its message: no preview shows the text of one.
    const deleted = new Set(
      Array.from({ length: 20 }, (_, n) => n)
        .filter((n) => n % 5 !== 0)
        .flatMap((n) => [`change ${n}`, `change ${n}, edited`]),
    );
    for (const who of [xa, xb, xc]) {
      const list = await call('/internal/conversations', who.uuid);
      for (const c of list.body.items as { last_message: { message: string } }[])
        expect(deleted.has(c.last_message.message)).toBe(false);
    }
  });
});
