import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { messageSortKeyOfUuid, messageUuidAt } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { callJson, documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { startMessagingService } from './service.ts';

/** Edits and deletes through the messaging service's internal API, against DynamoDB Local, in 1:1 and group conversations. */
const stack = testStack();
let f: ServiceFixture;
/** Moved forward to step past the edit window; every message time follows it too. */
let clockOffsetMs = 0;

beforeAll(async () => {
  f = await startServiceFixture(stack, { clock: () => new Date(Date.now() + clockOffsetMs) });
});
afterAll(() => f?.close());

type User = { uuid: string; handle: string; display_name: string };
const member = (u: User) => ({ uuid: u.uuid, handle: u.handle, display_name: u.display_name });
const users = (prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => f.addUser(`${prefix}${i}`)));

async function direct(from: User, to: User, text = 'hello') {
  const res = await f.call('/internal/conversations', {
    as: from.uuid,
    body: { recipient_uuid: to.uuid, message: text },
  });
  expect(res.status).toBe(201);
  return { group: res.body.message.message_group_uuid as string, message: res.body.message };
}
const send = async (group: string, from: User, text: string) => {
  const res = await f.call(`/internal/conversations/${group}/messages`, {
    as: from.uuid,
    body: { message: text },
  });
  expect(res.status).toBe(201);
  return res.body as { uuid: string; created_at: string };
};
const path = (group: string, message: string) => `/internal/conversations/${group}/messages/${message}`;
const edit = (group: string, message: string, as: User, text: string, key?: string) =>
  f.call(path(group, message), {
    as: as.uuid,
    method: 'PATCH',
    body: { message: text, ...(key ? { idempotency_key: key } : {}) },
  });
const remove = (group: string, message: string, as: User) =>
  f.call(path(group, message), { as: as.uuid, method: 'DELETE' });
const thread = async (group: string, as: User) =>
  (await f.call(`/internal/conversations/${group}/messages?limit=100`, { as: as.uuid })).body.items as {
    uuid: string;
    message: string;
    edited_at?: string;
    deleted?: true;
  }[];
async function stored(group: string, messageUuid: string) {
  const ddb = documentClient(stack);
  try {
    const sk = messageSortKeyOfUuid(messageUuid);
    const out = await ddb.send(
      new GetCommand({ TableName: f.table.name, Key: { pk: `MSG#${group}`, sk }, ConsistentRead: true }),
    );
    return out.Item;
  } finally {
    ddb.destroy();
  }
}

describe('new messages', () => {
  it('get a UUIDv7 whose time is their key, so they are found by uuid alone', async () => {
    const [ann, bob] = await users('v7', 2);
    const { group, message } = await direct(ann!, bob!);
    expect(message.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(messageSortKeyOfUuid(message.uuid)).toBe(`${message.created_at}#${message.uuid}`);
    expect(await stored(group, message.uuid)).toMatchObject({ message: 'hello' });
  });
});

describe('editing a message', () => {
  it('rewrites it in place for its sender, with the send rules, and honours an idempotency key', async () => {
    const [ann, bob] = await users('edit', 2);
    const { group, message } = await direct(ann!, bob!, 'helo');
    const later = await send(group, bob!, 'hi ann');
    const res = await edit(group, message.uuid, ann!, '  hello\r\nthere  ');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      uuid: message.uuid,
      message: 'hello\nthere',
      created_at: message.created_at,
      edit_version: 1,
      edited_at: expect.stringMatching(/Z$/),
      sender: member(ann!),
    });
    expect((await thread(group, bob!)).map((m) => [m.uuid, m.message, m.edited_at !== undefined])).toEqual([
      [message.uuid, 'hello\nthere', true],
      [later.uuid, 'hi ann', false],
    ]);
    // The same text again changes nothing; a key answers its first edit again, never a second one.
    expect((await edit(group, message.uuid, ann!, 'hello\nthere')).body.edit_version).toBe(1);
    const key = randomUUID();
    const first = await edit(group, message.uuid, ann!, 'third', key);
    const retry = await edit(group, message.uuid, ann!, 'third', key);
    expect([first.status, retry.status, retry.body.edit_version]).toEqual([200, 200, 2]);
    expect((await edit(group, message.uuid, ann!, 'other', key)).body).toEqual({
      errors: ['idempotency_key_reused'],
    });
    expect((await edit(group, message.uuid, ann!, '   ')).body).toEqual({ errors: ['message_blank'] });
    expect((await edit(group, message.uuid, ann!, 'x'.repeat(1025))).body).toEqual({
      errors: ['message_exceed_max_chars'],
    });
    expect((await edit(group, 'nope', ann!, 'x')).body).toEqual({ errors: ['message_uuid_invalid'] });
    expect(await stored(group, message.uuid)).toMatchObject({ message: 'third', edit_version: 2 });
  });

  it('refuses others, outsiders, unknown and pre-v7 uuids, system messages and a closed window', async () => {
    const [ann, bob, cat, dan] = await users('refuse', 4);
    const { group, message } = await direct(ann!, bob!);
    expect([
      (await edit(group, message.uuid, bob!, 'mine')).status,
      (await remove(group, message.uuid, bob!)).body,
    ]).toEqual([403, { errors: ['not_message_sender'] }]);
    expect((await edit(group, message.uuid, cat!, 'x')).body).toEqual({
      errors: ['message_group_not_found'],
    });
    expect((await remove(group, message.uuid, cat!)).status).toBe(404);
    const missing = messageUuidAt(new Date());
    expect((await edit(group, missing, ann!, 'x')).body).toEqual({ errors: ['message_not_found'] });
    expect((await remove(group, randomUUID(), ann!)).body).toEqual({ errors: ['message_not_found'] });

    const start = await f.call('/internal/groups', {
      as: ann!.uuid,
      body: { members: [member(bob!), member(cat!)], message: 'group hi' },
    });
    const g = start.body.group.message_group_uuid as string;
    const added = await f.call(`/internal/conversations/${g}/members`, {
      as: ann!.uuid,
      body: { members: [member(dan!)] },
    });
    expect((await edit(g, added.body.message.uuid, ann!, 'rewritten')).body).toEqual({
      errors: ['not_message_sender'],
    });
    expect((await remove(g, added.body.message.uuid, ann!)).status).toBe(403);
    // Dan joined after the first message: it was never sent to him, so for him it does not exist.
    expect((await edit(g, start.body.message.uuid, dan!, 'x')).body).toEqual({
      errors: ['message_not_found'],
    });
    expect((await edit(g, start.body.message.uuid, ann!, 'group hi!')).body.message).toBe('group hi!');

    clockOffsetMs += 16 * 60_000;
    try {
      expect((await edit(group, message.uuid, ann!, 'too late')).body).toEqual({
        errors: ['edit_window_passed'],
      });
      // Deleting has no window.
      expect((await remove(group, message.uuid, ann!)).body).toMatchObject({ deleted: true });
    } finally {
      clockOffsetMs -= 16 * 60_000;
    }
  });
});

describe('deleting a message', () => {
  it('leaves a tombstone without text in its place; again is the same answer; an edit cannot bring it back', async () => {
    const [ann, bob, cat] = await users('del', 3);
    const start = await f.call('/internal/groups', {
      as: ann!.uuid,
      body: { members: [member(bob!), member(cat!)], message: 'first' },
    });
    const group = start.body.group.message_group_uuid as string;
    const doomed = await send(group, bob!, 'oops, wrong group');
    const after = await send(group, cat!, 'after');
    await edit(group, doomed.uuid, bob!, 'oops, still wrong');
    const res = await remove(group, doomed.uuid, bob!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ uuid: doomed.uuid, message: '', deleted: true, edit_version: 2 });
    expect(res.body.edited_at).toBeDefined();
    const item = await stored(group, doomed.uuid);
    expect(item).not.toHaveProperty('message');
    expect(item).toMatchObject({ deleted: true, sender_uuid: bob!.uuid, members: expect.any(Array) });
    expect((await thread(group, ann!)).map((m) => [m.uuid, m.message, m.deleted ?? false])).toEqual([
      [start.body.message.uuid, 'first', false],
      [doomed.uuid, '', true],
      [after.uuid, 'after', false],
    ]);
    const again = await remove(group, doomed.uuid, bob!);
    expect([again.status, again.body.edit_version]).toEqual([200, 2]);
    expect((await edit(group, doomed.uuid, bob!, 'back?')).body).toEqual({ errors: ['message_deleted'] });
    expect((await remove(group, doomed.uuid, ann!)).body).toEqual({ errors: ['not_message_sender'] });
  });

  it('ends as a tombstone however an edit and a delete of the same message race, on two replicas', async () => {
    const other = await startMessagingService(f.config, { logger: silentLogger, usersEventsWaitSeconds: 1 });
    try {
      const [ann, bob] = await users('race', 2);
      const { group } = await direct(ann!, bob!);
      const answers = new Map<string, number>();
      for (let round = 0; round < 30; round++) {
        const m = await send(group, ann!, `message ${round}`);
        // The edit goes to the other replica, the delete to the fixture's: neither can see the other coming.
        const editing = async () =>
          callJson(`${other.url}${path(group, m.uuid)}`, {
            method: 'PATCH',
            headers: await f.keys.asUser('messaging', ann!.uuid),
            body: { message: `edited ${round}` },
          });
        const deleting = () => remove(group, m.uuid, ann!);
        const [e, d] =
          round % 2 === 0
            ? await Promise.all([editing(), deleting()])
            : (await Promise.all([deleting(), editing()])).reverse();
        expect(d!.status).toBe(200);
        expect([200, 409]).toContain(e!.status);
        if (e!.status === 409) expect(e!.body).toEqual({ errors: ['message_deleted'] });
        answers.set(`edit ${e!.status}`, (answers.get(`edit ${e!.status}`) ?? 0) + 1);
        const item = await stored(group, m.uuid);
        expect(item).toMatchObject({ deleted: true });
        expect(item).not.toHaveProperty('message');
        // One version per change that happened: the delete, and the edit if it came first.
        expect(item?.edit_version).toBe(e!.status === 200 ? 2 : 1);
      }
      expect([...answers.values()].reduce((a, b) => a + b, 0)).toBe(30);
    } finally {
      await other.stop();
    }
  });
});
