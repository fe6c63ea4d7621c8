import { randomUUID } from 'node:crypto';
import { keys } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { callJson, retryingConflicts, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { startMessagingService } from './service.ts';

/** Groups through the messaging service's internal API, against DynamoDB Local (the inbox rows it writes itself). */
const stack = testStack();
let f: ServiceFixture;

beforeAll(async () => {
  f = await startServiceFixture(stack);
});
afterAll(() => f?.close());

type User = { uuid: string; handle: string; display_name: string };
const member = (u: User) => ({ uuid: u.uuid, handle: u.handle, display_name: u.display_name });
const users = (prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => f.addUser(`${prefix}${i}`)));

const items = (pk: string) => f.items(pk);
const row = async (owner: string, group: string) =>
  (await items(keys.inboxPartition(owner))).find((r) => r.sk === group);

async function startGroup(owner: User, others: User[], extra: Record<string, unknown> = {}) {
  return f.call('/internal/groups', {
    as: owner.uuid,
    body: { members: others.map(member), message: 'welcome', ...extra },
  });
}

describe('starting a group', () => {
  it('writes META, the first message and every member row in one go; the creator has read it', async () => {
    const [ann, bob, cat] = await users('start', 3);
    const res = await startGroup(ann!, [bob!, cat!, bob!, ann!], { title: '  Weekend  ' });
    expect(res.status).toBe(201);
    expect(res.body.group).toMatchObject({
      kind: 'group',
      title: 'Weekend',
      member_count: 3,
      created_by: ann!.uuid,
      members: [member(ann!), member(bob!), member(cat!)],
    });
    expect(res.body.message).toMatchObject({ kind: 'text', message: 'welcome', sender: member(ann!) });
    const group = res.body.group.message_group_uuid;
    const [meta] = await items(keys.conversation(group).pk);
    const firstKey = `${res.body.message.created_at}#${res.body.message.uuid}`;
    expect(meta).toMatchObject({
      kind: 'group',
      state_key: firstKey,
      members: [ann!.uuid, bob!.uuid, cat!.uuid],
    });
    expect(await row(ann!.uuid, group)).toMatchObject({
      unread_count: 0,
      last_read_key: firstKey,
      joined_key: firstKey,
    });
    expect(await row(bob!.uuid, group)).toMatchObject({
      unread_count: 1,
      kind: 'group',
      title: 'Weekend',
      member_count: 3,
      joined_key: firstKey,
    });
    const list = await f.call('/internal/conversations', { as: cat!.uuid });
    expect(list.body.items[0]).toMatchObject({
      message_group_uuid: group,
      kind: 'group',
      other_user: null,
      title: 'Weekend',
      member_count: 3,
      unread_count: 1,
    });
  });

  it('answers a retry with the same key with the same group, and checks sizes and the title', async () => {
    const [ann, bob, cat] = await users('retry', 3);
    const key = randomUUID();
    const first = await startGroup(ann!, [bob!, cat!], { idempotency_key: key });
    const again = await startGroup(ann!, [cat!, bob!], { idempotency_key: key });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.group.message_group_uuid).toBe(first.body.group.message_group_uuid);
    expect(again.body.message.uuid).toBe(first.body.message.uuid);
    expect((await startGroup(ann!, [bob!, cat!], { idempotency_key: key, message: 'other' })).body).toEqual({
      errors: ['idempotency_key_reused'],
    });
    expect((await startGroup(ann!, [bob!, ann!])).body).toEqual({ errors: ['group_too_small'] });
    const crowd = await users('crowd', 51);
    expect((await startGroup(ann!, crowd)).body).toEqual({ errors: ['group_too_large'] });
    for (const title of ['', '   ', 'x'.repeat(101), 'tab\there']) {
      expect((await startGroup(ann!, [bob!, cat!], { title })).body, title).toEqual({
        errors: ['title_invalid'],
      });
    }
    expect((await startGroup(ann!, [bob!, cat!], { title: '🎉'.repeat(100) })).status).toBe(201);
  });
});

describe('changing a group', () => {
  it('adds members at a system message: they count from there and see nothing older', async () => {
    const [ann, bob, cat, dan] = await users('add', 4);
    const group = (await startGroup(ann!, [bob!, cat!])).body.group.message_group_uuid;
    await f.call(`/internal/conversations/${group}/messages`, {
      as: bob!.uuid,
      body: { message: 'before dan' },
    });
    const added = await f.call(`/internal/conversations/${group}/members`, {
      as: cat!.uuid,
      body: { members: [member(dan!), member(bob!)] },
    });
    expect(added.status).toBe(200);
    expect(added.body.group.members.map((m: User) => m.uuid)).toEqual([
      ann!.uuid,
      bob!.uuid,
      cat!.uuid,
      dan!.uuid,
    ]);
    expect(added.body.message).toMatchObject({
      kind: 'system',
      message: `added @${dan!.handle}`,
      sender: member(cat!),
      system: { action: 'added', users: [member(dan!)], title: null },
    });
    const joinKey = `${added.body.message.created_at}#${added.body.message.uuid}`;
    expect(await row(dan!.uuid, group)).toMatchObject({
      unread_count: 1,
      joined_key: joinKey,
      member_count: 4,
    });
    const danThread = await f.call(`/internal/conversations/${group}/messages`, { as: dan!.uuid });
    expect(danThread.body.items.map((m: { message: string }) => m.message)).toEqual([
      `added @${dan!.handle}`,
    ]);
    const annThread = await f.call(`/internal/conversations/${group}/messages`, { as: ann!.uuid });
    expect(annThread.body.items.map((m: { message: string }) => m.message)).toEqual([
      'welcome',
      'before dan',
      `added @${dan!.handle}`,
    ]);
    const sent = await f.call(`/internal/conversations/${group}/messages`, {
      as: dan!.uuid,
      body: { message: 'hi all' },
    });
    expect(sent.status).toBe(201);
    const stored = (await items(keys.messagePartition(group))).find((m) => m.message_uuid === sent.body.uuid);
    expect(stored?.members).toEqual([ann!.uuid, bob!.uuid, cat!.uuid, dan!.uuid]);
    expect(stored?.sk > joinKey).toBe(true);

    const again = await f.call(`/internal/conversations/${group}/members`, {
      as: ann!.uuid,
      body: { members: [member(dan!)] },
    });
    expect([again.status, again.body.message]).toEqual([200, null]);
  });

  it('refuses a leaver at once everywhere, deletes their row, and sends nothing more to them', async () => {
    const [ann, bob, cat] = await users('leave', 3);
    const group = (await startGroup(ann!, [bob!, cat!])).body.group.message_group_uuid;
    const left = await f.call(`/internal/conversations/${group}/leave`, { as: bob!.uuid, method: 'POST' });
    expect([left.status, left.body]).toEqual([200, { message_group_uuid: group, left: true }]);
    expect(await row(bob!.uuid, group)).toBeUndefined();
    const notFound = { errors: ['message_group_not_found'] };
    const tries: [string, string, unknown?][] = [
      ['GET', `/internal/conversations/${group}`],
      ['GET', `/internal/conversations/${group}/messages`],
      ['POST', `/internal/conversations/${group}/messages`, { message: 'still here?' }],
      ['POST', `/internal/conversations/${group}/read`],
      ['POST', `/internal/conversations/${group}/leave`],
      ['POST', `/internal/conversations/${group}/members`, { members: [member(bob!)] }],
      ['PATCH', `/internal/conversations/${group}`, { title: 'mine' }],
    ];
    for (const [method, path, body] of tries) {
      const res = await f.call(path, { as: bob!.uuid, method, ...(body ? { body } : {}) });
      expect([res.status, res.body], `${method} ${path}`).toEqual([404, notFound]);
    }
    const after = await f.call(`/internal/conversations/${group}/messages`, {
      as: ann!.uuid,
      body: { message: 'bye bob' },
    });
    const stored = (await items(keys.messagePartition(group))).filter(
      (m) => m.kind === 'system' || m.message_uuid === after.body.uuid,
    );
    expect(stored.map((m) => [m.system?.action ?? 'text', m.members])).toEqual([
      ['left', [ann!.uuid, cat!.uuid]],
      ['text', [ann!.uuid, cat!.uuid]],
    ]);
    const thread = await f.call(`/internal/conversations/${group}/messages`, { as: cat!.uuid });
    expect(thread.body.items.at(-2)).toMatchObject({
      kind: 'system',
      message: 'left the group',
      sender: member(bob!),
    });
  });

  it('refuses a leaver on another replica at once, even one that served them a moment before', async () => {
    const other = await startMessagingService(f.config, { logger: silentLogger, usersEventsWaitSeconds: 1 });
    try {
      const [ann, bob, cat] = await users('replica', 3);
      const group = (await startGroup(ann!, [bob!, cat!])).body.group.message_group_uuid;
      const onOther = async (path: string, init: { method?: string; body?: unknown } = {}) =>
        callJson(`${other.url}${path}`, { ...init, headers: await f.keys.asUser('messaging', bob!.uuid) });
      expect((await onOther(`/internal/conversations/${group}/messages`)).status).toBe(200);
      expect(
        (await onOther(`/internal/conversations/${group}/messages`, { body: { message: 'still in' } }))
          .status,
      ).toBe(201);
      await f.call(`/internal/conversations/${group}/leave`, { as: bob!.uuid, method: 'POST' });
      expect((await onOther(`/internal/conversations/${group}/messages`)).status).toBe(404);
      expect(
        (await onOther(`/internal/conversations/${group}/messages`, { body: { message: 'gone?' } })).status,
      ).toBe(404);
      expect((await onOther(`/internal/conversations/${group}`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it('renames, removes the title, and does nothing for the same title; a direct conversation is not a group', async () => {
    const [ann, bob, cat] = await users('rename', 3);
    const group = (await startGroup(ann!, [bob!, cat!])).body.group.message_group_uuid;
    const renamed = await f.call(`/internal/conversations/${group}`, {
      as: bob!.uuid,
      method: 'PATCH',
      body: { title: 'Plans' },
    });
    expect(renamed.body).toMatchObject({
      group: { title: 'Plans' },
      message: { system: { action: 'renamed', title: 'Plans' } },
    });
    const same = await f.call(`/internal/conversations/${group}`, {
      as: ann!.uuid,
      method: 'PATCH',
      body: { title: 'Plans' },
    });
    expect(same.body.message).toBeNull();
    const cleared = await f.call(`/internal/conversations/${group}`, {
      as: ann!.uuid,
      method: 'PATCH',
      body: { title: null },
    });
    expect(cleared.body).toMatchObject({
      group: { title: null },
      message: { message: "removed the group's title" },
    });
    const direct = await f.call('/internal/conversations', {
      as: ann!.uuid,
      body: { recipient_uuid: bob!.uuid, message: 'hi' },
    });
    const directGroup = direct.body.message.message_group_uuid;
    for (const [method, path, body] of [
      ['PATCH', `/internal/conversations/${directGroup}`, { title: 'x' }],
      ['POST', `/internal/conversations/${directGroup}/members`, { members: [member(cat!)] }],
      ['POST', `/internal/conversations/${directGroup}/leave`, undefined],
    ] as const) {
      const res = await f.call(path, { as: ann!.uuid, method, ...(body ? { body } : {}) });
      expect([res.status, res.body], path).toEqual([422, { errors: ['not_a_group'] }]);
    }
    expect((await f.call(`/internal/conversations/${directGroup}`, { as: ann!.uuid })).body).toMatchObject({
      kind: 'direct',
      member_count: 2,
      title: null,
    });
  });

  it('keeps every send and every change when they race, each message carrying the membership at its commit', async () => {
    const [ann, bob, cat, ...extras] = await users('race', 10);
    const group = (await startGroup(ann!, [bob!, cat!])).body.group.message_group_uuid;
    // Each extra user is added by ann, and every second one leaves again at once, racing the sends.
    const changes = extras.map((u, i) => async () => {
      const added = await retryingConflicts(() =>
        f.call(`/internal/conversations/${group}/members`, { as: ann!.uuid, body: { members: [member(u)] } }),
      );
      if (i % 2 === 1 || added.status !== 200) return added;
      return retryingConflicts(() =>
        f.call(`/internal/conversations/${group}/leave`, { as: u.uuid, method: 'POST' }),
      );
    });
    const sends = Array.from({ length: 30 }, (_, i) => () => {
      const body = { message: `m${i}`, idempotency_key: `race-${group}-${i}` };
      return retryingConflicts(() =>
        f.call(`/internal/conversations/${group}/messages`, { as: [ann, bob, cat][i % 3]!.uuid, body }),
      );
    });
    const results = await Promise.all([...changes, ...sends].map((run) => run()));
    expect(
      results.filter((r) => r.status !== 200 && r.status !== 201).map((r) => JSON.stringify(r.body)),
    ).toEqual([]);
    // Replaying the changes in key order: each change applies to the state before it, and each message was sent
    // to one of the states so far (keys are times, so a send committed just before a change may sort after it).
    const messages = (await items(keys.messagePartition(group))).sort((x, y) => (x.sk < y.sk ? -1 : 1));
    let members: string[] = messages[0]!.members;
    const states = [members.join()];
    for (const m of messages) {
      if (m.system?.action === 'added') members = [...members, ...m.system.user_uuids];
      if (m.system?.action === 'left') members = members.filter((u) => !m.system.user_uuids.includes(u));
      if (m.kind === 'system') {
        expect(m.members, m.message).toEqual(members);
        states.push(members.join());
      } else expect(states, m.message).toContain(m.members.join());
    }
    expect(members).toHaveLength(3 + 3);
    const [meta] = await items(keys.conversation(group).pk);
    expect(meta?.members).toEqual(members);
    expect(meta?.state_key).toBe(messages.filter((m) => m.kind === 'system').at(-1)?.sk);
  });
});
