import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createEvent, type UserSnapshot } from '@cruddur/contracts';
import { keys } from '@cruddur/ddb';
import { documentClient, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test-helpers.ts';
import { applyProfileEvent } from './replica.ts';

const stack = testStack();
const sqs = sqsClient(stack);
const ddb = documentClient(stack);
let f: ServiceFixture;

beforeAll(async () => {
  f = await startServiceFixture(stack);
});
afterAll(async () => {
  await f?.close();
  sqs.destroy();
  ddb.destroy();
});

const snapshot = (uuid: string, version: number, display_name: string): UserSnapshot => ({
  uuid,
  handle: `h${uuid.slice(0, 8)}`,
  display_name,
  bio: null,
  version,
});

async function send(type: 'user.registered' | 'user.profile_updated', user: UserSnapshot) {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: f.queue.url,
      MessageBody: JSON.stringify(createEvent(type, user, { traceId: 'test' })),
    }),
  );
}

async function replica(uuid: string) {
  return (
    await ddb.send(new GetCommand({ TableName: f.table.name, Key: keys.user(uuid), ConsistentRead: true }))
  ).Item;
}

async function queueDrained() {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: f.queue.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('profile replica', () => {
  it('applies newer versions only, so duplicates and late events are harmless', async () => {
    const uuid = randomUUID();
    const event = (v: number, name: string) =>
      createEvent('user.profile_updated', snapshot(uuid, v, name), { traceId: 't' });
    expect(await applyProfileEvent(f.store, event(2, 'Two'))).toBe('applied');
    expect(await applyProfileEvent(f.store, event(2, 'Two again'))).toBe('stale');
    expect(await applyProfileEvent(f.store, event(1, 'One'))).toBe('stale');
    expect(await applyProfileEvent(f.store, event(3, 'Three'))).toBe('applied');
    expect(await replica(uuid)).toMatchObject({ type: 'user', uuid, display_name: 'Three', version: 3 });
    const other = createEvent(
      'message.created',
      {
        message_group_uuid: randomUUID(),
        message_uuid: randomUUID(),
        sender_uuid: uuid,
        members: [uuid],
        message: 'x',
        created_at: new Date().toISOString(),
      },
      { traceId: 't' },
    );
    expect(await applyProfileEvent(f.store, other)).toBe('ignored');
  });

  it('consumes users-events from the queue, ignoring an older version that arrives late', async () => {
    const uuid = randomUUID();
    await send('user.registered', snapshot(uuid, 1, 'First'));
    await send('user.profile_updated', snapshot(uuid, 3, 'Third'));
    await expect.poll(async () => (await replica(uuid))?.version, { timeout: 10_000 }).toBe(3);
    await send('user.profile_updated', snapshot(uuid, 2, 'Second, late'));
    await send('user.profile_updated', snapshot(uuid, 3, 'Third'));
    await expect.poll(queueDrained, { timeout: 10_000 }).toBe(0);
    expect(await replica(uuid)).toMatchObject({ display_name: 'Third', version: 3 });
  });

  it('shows a profile change in conversation lists and threads within seconds', async () => {
    const [ann, bob] = await Promise.all([f.addUser('prof-a'), f.addUser('prof-b')]);
    const started = await f.call('/internal/conversations', {
      body: { user_uuid: bob.uuid, recipient_uuid: ann.uuid, message: 'hi ann' },
    });
    const group = started.body.message.message_group_uuid;
    await send('user.profile_updated', {
      ...bob,
      handle: 'bob-renamed',
      display_name: 'Bob Renamed',
      version: 2,
    });

    await expect
      .poll(async () => (await f.call(`/internal/users/${ann.uuid}/conversations`)).body.items[0], {
        timeout: 10_000,
      })
      .toMatchObject({
        other_user: { handle: 'bob-renamed', display_name: 'Bob Renamed' },
        last_message: { sender_handle: 'bob-renamed' },
      });
    const thread = await f.call(`/internal/conversations/${group}/messages?user_uuid=${ann.uuid}`);
    expect(thread.body.items[0].sender).toEqual({
      uuid: bob.uuid,
      handle: 'bob-renamed',
      display_name: 'Bob Renamed',
    });
  });

  it('shows a user the replica has not heard of yet as unknown, not as an error', async () => {
    const bob = await f.addUser('ghost-b');
    const ghost = randomUUID();
    const started = await f.call('/internal/conversations', {
      body: { user_uuid: ghost, recipient_uuid: bob.uuid, message: 'boo' },
    });
    expect(started.status).toBe(201);
    expect(started.body.message.sender).toEqual({ uuid: ghost, handle: '', display_name: 'Unknown user' });
    const list = await f.call(`/internal/users/${bob.uuid}/conversations`);
    expect(list.body.items[0].other_user).toEqual({ uuid: ghost, handle: '', display_name: 'Unknown user' });
  });
});
