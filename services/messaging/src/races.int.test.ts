import { randomUUID } from 'node:crypto';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { callJson, documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { Messaging } from './domain/messaging.ts';
import { type RunningMessagingService, startMessagingService } from './service.ts';

const stack = testStack();
let f: ServiceFixture;
/** A second replica on the same table: the guards are DynamoDB conditions, not anything in one process. */
let replica: RunningMessagingService;
const ddb = documentClient(stack);

beforeAll(async () => {
  f = await startServiceFixture(stack);
  replica = await startMessagingService(f.config, {
    logger: silentLogger,
    host: '127.0.0.1',
    usersEventsWaitSeconds: 1,
  });
});
afterAll(async () => {
  await replica?.stop();
  await f?.close();
  ddb.destroy();
});

async function viaReplica(path: string, { as, body }: { as: string; body: unknown }) {
  return callJson(`${replica.url}${path}`, { body, headers: await f.keys.asUser('messaging', as) });
}

async function messagesOf(group: string) {
  const out = await ddb.send(
    new QueryCommand({
      TableName: f.table.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagePartition(group) },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

describe('races, run concurrently for real', () => {
  it('parallel starts between one pair, in both directions, on two replicas, make one conversation and keep every message', async () => {
    const [ann, bob] = await Promise.all([f.addUser('race-a'), f.addUser('race-b')]);
    const n = 12;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        (i % 4 < 2 ? f.call : viaReplica)('/internal/conversations', {
          as: i % 2 ? ann.uuid : bob.uuid,
          body: { recipient_uuid: i % 2 ? bob.uuid : ann.uuid, message: `racer ${i}` },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([...Array(n - 1).fill(200), 201]);
    expect(results.filter((r) => r.body.created)).toHaveLength(1);
    const groups = new Set(results.map((r) => r.body.message.message_group_uuid));
    expect(groups.size).toBe(1);
    const [group] = [...groups] as [string];

    const scan = await ddb.send(new ScanCommand({ TableName: f.table.name, ConsistentRead: true }));
    const conversations = (scan.Items ?? []).filter(
      (i) => i.type === 'conversation' && i.members.includes(ann.uuid) && i.members.includes(bob.uuid),
    );
    expect(conversations).toHaveLength(1);
    expect((scan.Items ?? []).filter((i) => i.pk === keys.inboxPartition(ann.uuid))).toHaveLength(1);
    const texts = (await messagesOf(group)).map((m) => m.message).sort();
    expect(texts).toEqual(Array.from({ length: n }, (_, i) => `racer ${i}`).sort());
  });

  it('one idempotency key sent concurrently makes one message, and every caller gets it', async () => {
    const [ann, bob] = await Promise.all([f.addUser('idem-a'), f.addUser('idem-b')]);
    const key = randomUUID();
    const starts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? f.call : viaReplica)('/internal/conversations', {
          as: ann.uuid,
          body: { recipient_uuid: bob.uuid, message: 'only once', idempotency_key: key },
        }),
      ),
    );
    expect(starts.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(starts.map((r) => r.body.message.uuid)).size).toBe(1);
    // A replay of the start reports what the first request did.
    expect(starts.every((r) => r.body.created === true)).toBe(true);
    const group = starts[0]?.body.message.message_group_uuid as string;

    const key2 = randomUUID();
    const posts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? f.call : viaReplica)(`/internal/conversations/${group}/messages`, {
          as: bob.uuid,
          body: { message: 'also once', idempotency_key: key2 },
        }),
      ),
    );
    expect(posts.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(posts.map((r) => r.body.uuid)).size).toBe(1);
    expect((await messagesOf(group)).map((m) => m.message).sort()).toEqual(['also once', 'only once']);
  });

  it('keeps every message written in the same millisecond', async () => {
    const frozen = new Date('2026-11-25T12:00:00.000Z');
    const messaging = new Messaging({ store: f.store, logger: silentLogger, clock: () => frozen });
    const [ann, bob] = await Promise.all([f.addUser('ms-a'), f.addUser('ms-b')]);
    const first = await messaging.startConversation({
      userUuid: ann.uuid,
      recipientUuid: bob.uuid,
      text: 'zero',
    });
    const group = first.message.message_group_uuid;
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        messaging.createMessage({
          groupUuid: group,
          userUuid: i % 2 ? ann.uuid : bob.uuid,
          text: `same ms ${i}`,
        }),
      ),
    );
    expect(new Set(sent.map((s) => s.message.created_at))).toEqual(new Set([frozen.toISOString()]));
    const stored = await messagesOf(group);
    expect(stored).toHaveLength(31);
    expect(new Set(stored.map((m) => m.sk)).size).toBe(31);
  });
});
