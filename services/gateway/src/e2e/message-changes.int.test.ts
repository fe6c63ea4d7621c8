import { randomUUID } from 'node:crypto';
import {
  call,
  type E2eSystem,
  type EventStreamClient,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** Edits and deletes through the gateway, on the real services: the rules, the previews, the events to members only. */
describe('gateway end to end: messages that change', () => {
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  let dee: TestUser;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const send = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await api('/api/messages', { token: user.accessToken, body });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
    return res.body as { uuid: string; message_group_uuid: string };
  };
  const at = (group: string, message: string) => `/api/message_groups/${group}/messages/${message}`;
  const edit = (user: TestUser, group: string, message: string, text: unknown, key?: string) =>
    api(at(group, message), {
      token: user.accessToken,
      method: 'PATCH',
      body: { message: text },
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
  const remove = (user: TestUser, group: string, message: string) =>
    api(at(group, message), { token: user.accessToken, method: 'DELETE' });
  const listEntry = async (user: TestUser, group: string) =>
    ((await api('/api/message_groups', { token: user.accessToken })).body as { uuid: string }[]).find(
      (g) => g.uuid === group,
    ) as { message: string; unread_count: number; last_message_uuid: string } | undefined;

  beforeAll(async () => {
    system = await startE2eSystem();
    gateway = await system.startGateway();
    [ann, bo, cy, dee] = await system.createUsers('ch_ann', 'ch_bo', 'ch_cy', 'ch_dee');
    await system.waitForProfiles([ann, bo, cy, dee]);
  });
  afterAll(() => system?.stop());

  it('lets the sender edit and delete in a 1:1 conversation, refuses everyone else, and keeps the inbox exact', async () => {
    const first = await send(ann, { handle: 'ch_bo', message: 'hi bo' });
    const group = first.message_group_uuid;
    const typo = await send(ann, { message_group_uuid: group, message: 'see you at 5pn' });
    const key = randomUUID();
    const edited = await edit(ann, group, typo.uuid, 'see you at 5pm', key);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      uuid: typo.uuid,
      message: 'see you at 5pm',
      handle: 'ch_ann',
      edit_version: 1,
      edited_at: expect.any(String),
    });
    expect((await edit(ann, group, typo.uuid, 'see you at 5pm', key)).body).toEqual(edited.body);
    expect((await edit(ann, group, typo.uuid, 'other', key)).body).toEqual({
      errors: ['idempotency_key_reused'],
    });
    expect((await edit(bo, group, typo.uuid, 'mine now')).body).toEqual({ errors: ['not_message_sender'] });
    expect((await remove(dee, group, typo.uuid)).body).toEqual({ errors: ['message_group_not_found'] });
    expect((await edit(ann, 'nope', 'nope', 'x')).body.errors).toEqual([
      'message_group_uuid_invalid',
      'message_uuid_invalid',
    ]);
    expect((await edit(ann, group, typo.uuid, '  ')).body).toEqual({ errors: ['message_blank'] });
    expect((await edit(ann, group, randomUUID(), 'x')).body).toEqual({ errors: ['message_not_found'] });

    // bo has both unread; the preview follows the edit.
    await vi.waitFor(
      async () =>
        expect(await listEntry(bo, group)).toMatchObject({ message: 'see you at 5pm', unread_count: 2 }),
      { timeout: 20_000, interval: 100 },
    );
    const deleted = await remove(ann, group, typo.uuid);
    expect(deleted.body).toMatchObject({ uuid: typo.uuid, message: '', deleted: true, edit_version: 2 });
    expect((await remove(ann, group, typo.uuid)).body).toEqual(deleted.body);
    expect((await edit(ann, group, typo.uuid, 'back')).body).toEqual({ errors: ['message_deleted'] });
    const thread = (await api(`/api/messages/${group}`, { token: bo.accessToken })).body as {
      uuid: string;
      message: string;
      deleted?: boolean;
    }[];
    expect(thread.map((m) => [m.uuid, m.message, m.deleted ?? false])).toEqual([
      [first.uuid, 'hi bo', false],
      [typo.uuid, '', true],
    ]);
    // The deleted message leaves bo's preview and his unread count.
    await vi.waitFor(
      async () =>
        expect(await listEntry(bo, group)).toMatchObject({
          message: 'hi bo',
          last_message_uuid: first.uuid,
          unread_count: 1,
        }),
      { timeout: 20_000, interval: 100 },
    );
  });

  it('sends message.updated and message.deleted to the members on every replica, and nothing to others', async () => {
    const second = await system.startGateway();
    const connect = (user: TestUser, via: RunningGateway) => system.connect(via, user);
    const start = await api('/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['ch_bo', 'ch_cy'], title: 'Edits', message: 'welcome' },
    });
    expect(start.status).toBe(201);
    const group = start.body.uuid as string;
    const [boStream, cyStream, deeStream] = await Promise.all([
      connect(bo, gateway),
      connect(cy, second),
      connect(dee, second),
    ]);
    const m = await send(ann, { message_group_uuid: group, message: 'draft' });
    expect((await edit(ann, group, m.uuid, 'final')).status).toBe(200);
    expect((await remove(ann, group, m.uuid)).status).toBe(200);

    const of = (stream: EventStreamClient, type: string) =>
      stream.events.filter((e) => e.event === type && (e.data as { uuid?: string }).uuid === m.uuid);
    await vi.waitFor(
      () => {
        for (const stream of [boStream, cyStream]) {
          expect(of(stream, 'message.updated')).toHaveLength(1);
          expect(of(stream, 'message.deleted')).toHaveLength(1);
        }
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(of(cyStream, 'message.updated')[0]?.data).toMatchObject({
      message_group_uuid: group,
      sender_uuid: ann.uuid,
      message: 'final',
      edit_version: 1,
      conversation_kind: 'group',
      title: 'Edits',
    });
    expect(of(boStream, 'message.deleted')[0]?.data).toMatchObject({ deleted: true, edit_version: 2 });
    expect(of(boStream, 'message.deleted')[0]?.id).toBe(of(cyStream, 'message.deleted')[0]?.id);
    expect(deeStream.events.filter((e) => e.event !== 'ready')).toEqual([]);
    // bo's own inbox falls back to the welcome message once the delete is applied (events come in any order).
    await vi.waitFor(
      () =>
        expect(boStream.events).toContainEqual(
          expect.objectContaining({
            event: 'inbox.updated',
            data: expect.objectContaining({
              message_group_uuid: group,
              last_message: expect.objectContaining({ message: 'welcome' }),
              unread_count: 1,
            }),
          }),
        ),
      { timeout: 20_000, interval: 50 },
    );
    expect(await listEntry(bo, group)).toMatchObject({ message: 'welcome', unread_count: 1 });
  });
});
