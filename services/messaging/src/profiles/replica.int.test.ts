import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@cruddur/ddb';
import { documentClient, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../../test/service-fixture.ts';

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

/** Puts an event on users-events as anyone who can reach the queue could, bypassing the users service. */
async function inject(type: 'user.registered' | 'user.profile_updated', payload: unknown) {
  // Built by hand: createEvent would refuse the payloads the users service could never have written.
  const event = {
    id: randomUUID(),
    type,
    version: 1,
    occurred_at: new Date().toISOString(),
    trace_id: 'forged',
    payload,
  };
  await sqs.send(new SendMessageCommand({ QueueUrl: f.queue.url, MessageBody: JSON.stringify(event) }));
  return event.id;
}

async function replica(uuid: string) {
  return (
    await ddb.send(new GetCommand({ TableName: f.table.name, Key: keys.user(uuid), ConsistentRead: true }))
  ).Item;
}

const deadLetters: { body: string; reason: string }[] = [];
/** Every dead letter so far, with the reason the consumer gave. */
async function deadLettered() {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: f.deadLetters.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return deadLetters;
    for (const m of Messages) {
      deadLetters.push({ body: m.Body ?? '', reason: m.MessageAttributes?.reason?.StringValue ?? '' });
    }
  }
}
const reasonFor = async (eventId: string) =>
  (await deadLettered()).find((d) => d.body.includes(eventId))?.reason;

describe('profile replica', () => {
  it('stores what the users service holds: its events announce changes, and every later change still lands', async () => {
    const user = await f.registerUser('replica_real');
    await expect.poll(async () => (await replica(user.uuid))?.version, { timeout: 10_000 }).toBe(1);
    await f.renameUser(user.uuid, 'Renamed Once');
    await expect
      .poll(async () => (await replica(user.uuid))?.display_name, { timeout: 10_000 })
      .toBe('Renamed Once');
    expect(await replica(user.uuid)).toMatchObject({ type: 'user', uuid: user.uuid, version: 2 });
  });

  it('dead-letters a forged event with the version lock-out of the old attack, and real updates keep landing', async () => {
    const user = await f.registerUser('replica_victim');
    await expect.poll(async () => (await replica(user.uuid))?.version, { timeout: 10_000 }).toBe(1);
    const forged = await inject('user.registered', {
      ...user,
      display_name: 'Pwned',
      version: 2_147_483_647,
    });
    await expect
      .poll(() => reasonFor(forged), { timeout: 10_000 })
      .toMatch(/claims version 2147483647.*has 1/);
    expect(await replica(user.uuid)).toMatchObject({ display_name: user.display_name, version: 1 });
    await f.renameUser(user.uuid, 'Still Mine');
    await expect
      .poll(async () => (await replica(user.uuid))?.display_name, { timeout: 10_000 })
      .toBe('Still Mine');
  });

  it('takes nothing from a forged payload even when its version looks plausible', async () => {
    const user = await f.registerUser('replica_plausible');
    await f.renameUser(user.uuid, 'Real Two');
    await expect.poll(async () => (await replica(user.uuid))?.version, { timeout: 10_000 }).toBe(2);
    await inject('user.profile_updated', {
      ...user,
      handle: 'attacker',
      display_name: 'Fake Two',
      version: 2,
    });
    await inject('user.profile_updated', { ...user, display_name: 'Fake One', version: 1 });
    await f.renameUser(user.uuid, 'Real Three');
    await expect.poll(async () => (await replica(user.uuid))?.version, { timeout: 10_000 }).toBe(3);
    expect(await replica(user.uuid)).toMatchObject({ handle: user.handle, display_name: 'Real Three' });
  });

  it('dead-letters, with a reason, an event for a user the users service does not have', async () => {
    const ghost = randomUUID();
    const forged = await inject('user.registered', {
      uuid: ghost,
      handle: 'ghost',
      display_name: 'Ghost',
      bio: null,
      version: 1,
    });
    await expect.poll(() => reasonFor(forged), { timeout: 10_000 }).toMatch(/unknown to the users service/);
    expect(await replica(ghost)).toBeUndefined();
  });

  it('dead-letters payloads the users service could never have written (its own handle, name and version rules)', async () => {
    const user = await f.registerUser('replica_rules');
    const bad = [
      { ...user, handle: 'has space' },
      { ...user, handle: 'x'.repeat(33) },
      { ...user, display_name: 'tab\there' },
      { ...user, display_name: 'y'.repeat(65) },
      { ...user, version: 9_007_199_254_740_991 },
      { ...user, version: 0 },
    ];
    const ids = await Promise.all(bad.map((payload) => inject('user.profile_updated', payload)));
    for (const id of ids)
      await expect.poll(() => reasonFor(id), { timeout: 10_000 }).toMatch(/^invalid event/);
    await expect.poll(async () => (await replica(user.uuid))?.version, { timeout: 10_000 }).toBe(1);
    expect(await replica(user.uuid)).toMatchObject({ handle: user.handle, display_name: user.display_name });
  });

  it('shows a profile change in conversation lists and threads within seconds', async () => {
    const [ann, bob] = await Promise.all([f.registerUser('prof_a'), f.registerUser('prof_b')]);
    await expect.poll(async () => (await replica(ann.uuid))?.version, { timeout: 10_000 }).toBe(1);
    const started = await f.call('/internal/conversations', {
      as: bob.uuid,
      body: { recipient_uuid: ann.uuid, message: 'hi ann' },
    });
    const group = started.body.message.message_group_uuid;
    await f.renameUser(bob.uuid, 'Bob Renamed');

    await expect
      .poll(async () => (await f.call('/internal/conversations', { as: ann.uuid })).body.items[0], {
        timeout: 10_000,
      })
      .toMatchObject({
        other_user: { handle: bob.handle, display_name: 'Bob Renamed' },
        last_message: { sender_handle: bob.handle },
      });
    const thread = await f.call(`/internal/conversations/${group}/messages`, { as: ann.uuid });
    expect(thread.body.items[0].sender).toEqual({
      uuid: bob.uuid,
      handle: bob.handle,
      display_name: 'Bob Renamed',
    });
  });

  it('shows a user the replica has not heard of yet as unknown, not as an error', async () => {
    const bob = await f.addUser('ghost-b');
    const ghost = randomUUID();
    const started = await f.call('/internal/conversations', {
      as: ghost,
      body: { recipient_uuid: bob.uuid, message: 'boo' },
    });
    expect(started.status).toBe(201);
    expect(started.body.message.sender).toEqual({ uuid: ghost, handle: '', display_name: 'Unknown user' });
    const list = await f.call('/internal/conversations', { as: bob.uuid });
    expect(list.body.items[0].other_user).toEqual({ uuid: ghost, handle: '', display_name: 'Unknown user' });
  });
});
