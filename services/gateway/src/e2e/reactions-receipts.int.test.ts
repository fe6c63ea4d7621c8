import {
  call,
  type E2eSystem,
  type EventStreamClient,
  openEventStream,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/**
 * Reactions and read receipts through the gateway, on the real services and stream consumer: the public routes,
 * what a thread page shows, and `reaction.changed` / `receipt.updated` to the right members on every replica.
 */
describe('gateway end to end: reactions and read receipts', () => {
  let system: E2eSystem;
  let gateway: RunningGateway;
  let second: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  let dee: TestUser;
  const streams: EventStreamClient[] = [];
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const send = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await api('/api/messages', { token: user.accessToken, body });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
    return res.body as { uuid: string; message_group_uuid: string };
  };
  const reaction = (group: string, message: string, emoji: string) =>
    `/api/message_groups/${group}/messages/${message}/reactions/${encodeURIComponent(emoji)}`;
  const react = (user: TestUser, group: string, message: string, emoji: string, method = 'PUT') =>
    api(reaction(group, message, emoji), { token: user.accessToken, method });
  type ThreadItem = {
    uuid: string;
    reactions: { emoji: string; count: number; me: boolean }[];
    read_by: { handle: string }[];
  };
  const thread = async (user: TestUser, group: string) =>
    (await api(`/api/messages/${group}`, { token: user.accessToken })).body as ThreadItem[];
  const seenBy = async (user: TestUser, group: string) =>
    (await thread(user, group)).map((m) => [m.uuid, m.read_by.map((u) => u.handle).sort()]);
  const markRead = (user: TestUser, group: string) =>
    api(`/api/message_groups/${group}/read`, { token: user.accessToken, method: 'POST' });
  const connect = (user: TestUser, via: RunningGateway) => system.connect(via, user);
  /** Waits until the stream consumer moved `user`'s inbox row to `message` (reads mark up to the row's head). */
  const headAt = (user: TestUser, group: string, message: string) =>
    vi.waitFor(
      async () => {
        const list = (await api('/api/message_groups', { token: user.accessToken })).body as {
          uuid: string;
          last_message_uuid: string;
        }[];
        expect(list.find((g) => g.uuid === group)?.last_message_uuid).toBe(message);
      },
      { timeout: 20_000, interval: 100 },
    );

  beforeAll(async () => {
    system = await startE2eSystem();
    [gateway, second] = await Promise.all([system.startGateway(), system.startGateway()]);
    [ann, bo, cy, dee] = await system.createUsers('rx_ann', 'rx_bo', 'rx_cy', 'rx_dee');
    await system.waitForProfiles([ann, bo, cy, dee]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await system?.stop();
  });

  it('adds and removes reactions by URL-encoded emoji, shows counts and your own, and tells the members', async () => {
    const start = await api('/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['rx_bo', 'rx_cy'], title: 'Reacts', message: 'lunch?' },
    });
    expect(start.status).toBe(201);
    const group = start.body.uuid as string;
    const [first] = await thread(ann, group);
    const [boStream, cyStream, deeStream] = await Promise.all([
      connect(bo, gateway),
      connect(cy, second),
      connect(dee, second),
    ]);

    const added = await react(bo, group, first!.uuid, '👍🏽');
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      message_group_uuid: group,
      message_uuid: first!.uuid,
      reaction_version: 1,
      reactions: [{ emoji: '👍🏽', count: 1, me: true }],
    });
    expect((await react(bo, group, first!.uuid, '👍🏽')).body.reaction_version).toBe(1);
    await react(cy, group, first!.uuid, '👍🏽');
    await react(cy, group, first!.uuid, '🍕');
    await react(cy, group, first!.uuid, '🍕', 'DELETE');
    expect((await thread(bo, group))[0]?.reactions).toEqual([{ emoji: '👍🏽', count: 2, me: true }]);
    expect((await thread(ann, group))[0]?.reactions).toEqual([{ emoji: '👍🏽', count: 2, me: false }]);
    expect((await react(bo, group, first!.uuid, 'no')).body).toEqual({ errors: ['emoji_invalid'] });
    // Broken percent-encoding, an encoded slash and a long run of emoji are bad input, never a 5xx.
    for (const raw of ['%E0%A4%A', '%2F', '%F0%9F%91%8D'.repeat(40), '%00']) {
      const res = await api(`/api/message_groups/${group}/messages/${first!.uuid}/reactions/${raw}`, {
        token: bo.accessToken,
        method: 'PUT',
      });
      expect([res.status, res.body], raw).toEqual([422, { errors: ['emoji_invalid'] }]);
    }
    expect((await react(dee, group, first!.uuid, '👍')).body).toEqual({
      errors: ['message_group_not_found'],
    });

    const changes = (stream: EventStreamClient) =>
      stream.events
        .filter((e) => e.event === 'reaction.changed')
        .map((e) => e.data as { reaction_version: number; change: { action: string; emoji: string } });
    await vi.waitFor(
      () => {
        for (const stream of [boStream, cyStream]) expect(changes(stream)).toHaveLength(4);
      },
      { timeout: 20_000, interval: 50 },
    );
    const last = changes(cyStream).sort((a, b) => a.reaction_version - b.reaction_version);
    expect(last.map((c) => [c.reaction_version, c.change.action, c.change.emoji])).toEqual([
      [1, 'added', '👍🏽'],
      [2, 'added', '👍🏽'],
      [3, 'added', '🍕'],
      [4, 'removed', '🍕'],
    ]);
    expect(boStream.events.find((e) => e.event === 'reaction.changed')?.data).toMatchObject({
      uuid: first!.uuid,
      message_group_uuid: group,
      reactions: [{ emoji: '👍🏽', count: 1 }],
      change: { user_uuid: bo.uuid },
      conversation_kind: 'group',
    });
    expect(deeStream.events.filter((e) => e.event !== 'ready')).toEqual([]);

    // Logged in each member's change feed like every event: a client back from the first change gets the rest.
    const firstChange = boStream.events.find(
      (e) =>
        e.event === 'reaction.changed' && (e.data as { reaction_version: number }).reaction_version === 1,
    );
    const back = await openEventStream(`${second.url}/api/events`, {
      authorization: `Bearer ${bo.accessToken}`,
      'last-event-id': firstChange!.id!,
    });
    streams.push(back);
    await vi.waitFor(
      () =>
        expect(
          back.events
            .filter((e) => e.event === 'reaction.changed')
            .map((e) => (e.data as { reaction_version: number }).reaction_version)
            .sort(),
        ).toEqual([2, 3, 4]),
      { timeout: 20_000, interval: 50 },
    );

    // A deleted message shows no reactions and takes none.
    expect(
      (
        await api(`/api/message_groups/${group}/messages/${first!.uuid}`, {
          token: ann.accessToken,
          method: 'DELETE',
        })
      ).status,
    ).toBe(200);
    expect((await thread(bo, group))[0]?.reactions).toEqual([]);
    expect((await react(bo, group, first!.uuid, '👍')).body).toEqual({ errors: ['message_deleted'] });
  });

  it('in a 1:1, shows "seen" at the other person’s position and tells them as it moves', async () => {
    const first = await send(ann, { handle: 'rx_dee', message: 'are you there?' });
    const group = first.message_group_uuid;
    const annStream = await connect(ann, second);
    await headAt(dee, group, first.uuid);
    expect(await seenBy(ann, group)).toEqual([[first.uuid, []]]);
    await markRead(dee, group);
    expect(await seenBy(ann, group)).toEqual([[first.uuid, ['rx_dee']]]);
    const more = await send(ann, { message_group_uuid: group, message: 'hello?' });
    await headAt(dee, group, more.uuid);
    await markRead(dee, group);
    expect(await seenBy(ann, group)).toEqual([
      [first.uuid, []],
      [more.uuid, ['rx_dee']],
    ]);
    const receipts = await api(`/api/message_groups/${group}/receipts`, { token: ann.accessToken });
    expect(receipts.body).toEqual([
      expect.objectContaining({ uuid: dee.uuid, handle: 'rx_dee', message_uuid: more.uuid }),
    ]);
    await vi.waitFor(
      () =>
        expect(
          annStream.events
            .filter((e) => e.event === 'receipt.updated')
            .map((e) => (e.data as { message_uuid: string }).message_uuid)
            .sort(),
        ).toEqual([first.uuid, more.uuid].sort()),
      { timeout: 20_000, interval: 50 },
    );
  });

  it('in a group, shows who has seen the newest message; receipts off hides you both ways, at once', async () => {
    const start = await api('/api/message_groups', {
      token: cy.accessToken,
      body: { handles: ['rx_ann', 'rx_bo', 'rx_dee'], message: 'plan' },
    });
    const group = start.body.uuid as string;
    const [plan] = await thread(cy, group);
    const newest = await send(cy, { message_group_uuid: group, message: 'friday' });
    await Promise.all([
      headAt(ann, group, newest.uuid),
      headAt(bo, group, newest.uuid),
      headAt(dee, group, newest.uuid),
    ]);
    await Promise.all([markRead(ann, group), markRead(bo, group)]);
    expect(await seenBy(cy, group)).toEqual([
      [plan!.uuid, []],
      [newest.uuid, ['rx_ann', 'rx_bo']],
    ]);

    expect((await api('/api/me/settings', { token: bo.accessToken })).body).toEqual({ read_receipts: true });
    const off = await api('/api/me/settings', {
      token: bo.accessToken,
      method: 'PUT',
      body: { read_receipts: false },
    });
    expect(off.body).toEqual({ read_receipts: false });
    // At once, on another replica too: no cache stands in between.
    const viaSecond = (await call(second.url, `/api/messages/${group}`, { token: cy.accessToken }))
      .body as ThreadItem[];
    expect(viaSecond.at(-1)?.read_by.map((u) => u.handle)).toEqual(['rx_ann']);
    expect((await thread(bo, group)).every((m) => m.read_by.length === 0)).toBe(true);
    expect((await api(`/api/message_groups/${group}/receipts`, { token: bo.accessToken })).body).toEqual([]);
    expect(
      (await api('/api/me/settings', { token: bo.accessToken, method: 'PUT', body: { read_receipts: 'no' } }))
        .body,
    ).toEqual({ errors: ['settings_invalid'] });
    await api('/api/me/settings', { token: bo.accessToken, method: 'PUT', body: { read_receipts: true } });
    expect(await seenBy(cy, group)).toEqual([
      [plan!.uuid, []],
      [newest.uuid, ['rx_ann', 'rx_bo']],
    ]);
  });

  it('documents the new routes in OpenAPI', async () => {
    const doc = (await api('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const path = '/api/message_groups/{message_group_uuid}/messages/{message_uuid}/reactions/{emoji}';
    expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual(['delete', 'put']);
    expect(Object.keys(doc.paths['/api/me/settings'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/api/message_groups/{message_group_uuid}/receipts']).toHaveProperty('get');
  });
});
