import {
  call,
  type E2eSystem,
  type EventStreamClient,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** Blocking through the gateway, on the real services: what a block refuses, what it hides, and a send racing it. */
describe('gateway end to end: blocks', () => {
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  let dee: TestUser;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const send = (from: TestUser, body: Record<string, unknown>) =>
    api('/api/messages', { token: from.accessToken, body });
  const block = (by: TestUser, handle: string) =>
    api('/api/blocks', { token: by.accessToken, body: { handle } });
  const unblock = (by: TestUser, handle: string) =>
    api(`/api/blocks/${handle}`, { token: by.accessToken, method: 'DELETE' });
  const refused = { status: 403, body: { errors: ['recipient_unavailable'] } };
  const answer = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });
  const thread = async (user: TestUser, group: string) =>
    (await api(`/api/messages/${group}?limit=100`, { token: user.accessToken })).body as {
      uuid: string;
      handle: string;
      message: string;
    }[];
  const row = async (user: TestUser, group: string) =>
    (
      (await api('/api/message_groups?limit=100', { token: user.accessToken })).body as Record<
        string,
        unknown
      >[]
    ).find((r) => r.uuid === group);

  beforeAll(async () => {
    system = await startE2eSystem();
    gateway = await system.startGateway();
    [ann, bo, cy, dee] = await system.createUsers('bl_ann', 'bl_bo', 'bl_cy', 'bl_dee');
  });
  afterAll(() => system?.stop());

  it('blocks and unblocks by handle, lists the blocked, and says no to oneself and to nobody', async () => {
    expect(answer(await block(ann, '@bl_dee'))).toEqual({
      status: 200,
      body: { uuid: dee.uuid, handle: 'bl_dee', display_name: dee.display_name, blocked: true },
    });
    // Twice is the same as once.
    expect((await block(ann, 'bl_dee')).status).toBe(200);
    const list = await api('/api/blocks', { token: ann.accessToken });
    expect(answer(list)).toEqual({
      status: 200,
      body: [{ uuid: dee.uuid, handle: 'bl_dee', display_name: dee.display_name }],
    });
    expect(answer(await block(ann, 'bl_ann'))).toEqual({
      status: 422,
      body: { errors: ['cannot_block_self'] },
    });
    expect(answer(await block(ann, 'nobody_here'))).toEqual({
      status: 404,
      body: { errors: ['user_not_found'] },
    });
    expect((await block(ann, '')).status).toBe(422);
    expect(answer(await unblock(ann, '@bl_dee'))).toMatchObject({ status: 200, body: { blocked: false } });
    expect((await unblock(ann, 'bl_dee')).status).toBe(200);
    expect((await api('/api/blocks', { token: ann.accessToken })).body).toEqual([]);
  });

  it('refuses a blocked user every way into the blocker, with the answer of one who does not accept messages', async () => {
    const first = await vi.waitFor(
      async () => {
        const res = await send(bo, { message: 'hi ann', handle: 'bl_ann' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as { message_group_uuid: string };
      },
      { timeout: 15_000, interval: 100 },
    );
    const direct = first.message_group_uuid;
    expect((await block(ann, 'bl_bo')).status).toBe(200);

    expect(answer(await send(bo, { message: 'hello?', handle: 'bl_ann' }))).toEqual(refused);
    expect(answer(await send(bo, { message: 'hello?', message_group_uuid: direct }))).toEqual(refused);
    // Both ways: the blocker cannot write to them directly either.
    expect(answer(await send(ann, { message: 'bye', message_group_uuid: direct }))).toEqual(refused);
    // No group with the blocker in it, started or added to, by the blocked user.
    const withAnn = await api('/api/message_groups', {
      token: bo.accessToken,
      body: { handles: ['bl_ann', 'bl_cy'], message: 'a group' },
    });
    expect(answer(withAnn)).toEqual(refused);
    const group = await api('/api/message_groups', {
      token: bo.accessToken,
      body: { handles: ['bl_cy', 'bl_dee'], message: 'a group without ann' },
    });
    expect(group.status).toBe(201);
    const add = await api(`/api/message_groups/${group.body.uuid}/members`, {
      token: bo.accessToken,
      body: { handles: ['bl_ann'] },
    });
    expect(answer(add)).toEqual(refused);
    // Someone else may still add the blocker to a group the blocked user is in.
    const byCy = await api(`/api/message_groups/${group.body.uuid}/members`, {
      token: cy.accessToken,
      body: { handles: ['bl_ann'] },
    });
    expect(byCy.status).toBe(200);
    // Nothing refused was stored.
    expect((await thread(bo, direct)).map((m) => m.message)).toEqual(['hi ann']);

    expect((await unblock(ann, 'bl_bo')).status).toBe(200);
    expect((await send(bo, { message: 'back again', message_group_uuid: direct })).status).toBe(200);
  });

  it("hides the blocked user's group messages from the blocker: no row move, no unread, no push, not in the thread", async () => {
    const created = await api('/api/message_groups', {
      token: cy.accessToken,
      body: { handles: ['bl_ann', 'bl_bo'], message: 'three of us' },
    });
    expect(created.status).toBe(201);
    const group = created.body.uuid as string;
    await api(`/api/message_groups/${group}/read`, { token: ann.accessToken, method: 'POST' });
    expect((await block(ann, 'bl_bo')).status).toBe(200);
    const [annStream, cyStream] = await Promise.all([
      system.connect(gateway, ann),
      system.connect(gateway, cy),
    ]);

    const hidden = await send(bo, { message: 'ann cannot see this', message_group_uuid: group });
    expect(hidden.status).toBe(200);
    const seen = await send(cy, { message: 'everyone sees this', message_group_uuid: group });
    expect(seen.status).toBe(200);
    const created_ = (s: EventStreamClient, uuid: string) =>
      s.events.some((e) => e.event === 'message.created' && (e.data as { uuid?: string }).uuid === uuid);
    // One event per message goes to every recipient at once: once cy has both, ann's copy (if any) came too.
    await vi.waitFor(
      () => expect(created_(cyStream, hidden.body.uuid) && created_(annStream, seen.body.uuid)).toBe(true),
      {
        timeout: 20_000,
      },
    );
    await vi.waitFor(() => expect(created_(cyStream, seen.body.uuid)).toBe(true), { timeout: 20_000 });
    expect(created_(annStream, hidden.body.uuid)).toBe(false);

    expect((await thread(ann, group)).map((m) => m.message)).toEqual(['three of us', 'everyone sees this']);
    expect((await thread(cy, group)).map((m) => m.message)).toEqual([
      'three of us',
      'ann cannot see this',
      'everyone sees this',
    ]);
    await vi.waitFor(
      async () =>
        expect(await row(ann, group)).toMatchObject({ message: 'everyone sees this', unread_count: 1 }),
      {
        timeout: 20_000,
      },
    );
    // bo's message alone, later: ann's row does not move for it.
    const hiddenAgain = await send(bo, { message: 'still hidden', message_group_uuid: group });
    expect(hiddenAgain.status).toBe(200);
    await vi.waitFor(async () => expect(await row(cy, group)).toMatchObject({ message: 'still hidden' }), {
      timeout: 20_000,
    });
    expect(await row(ann, group)).toMatchObject({ message: 'everyone sees this', unread_count: 1 });
    expect((await unblock(ann, 'bl_bo')).status).toBe(200);
  });

  it('orders many sends racing one block: once the block has committed no send gets through', async () => {
    const start = await send(dee, { message: 'race start', handle: 'bl_cy' });
    expect(start.status).toBe(200);
    const direct = start.body.message_group_uuid as string;
    const outcomes: number[] = [];
    let blocked = false;
    const afterBlock: number[] = [];
    const sender = async (i: number) => {
      for (let n = 0; n < 8; n++) {
        const startedAfterBlock = blocked;
        const res = await send(dee, { message: `race ${i}.${n}`, message_group_uuid: direct });
        outcomes.push(res.status);
        if (startedAfterBlock) afterBlock.push(res.status);
        if (res.status !== 200) expect(answer(res)).toEqual(refused);
      }
    };
    const racing = Promise.all([0, 1, 2, 3, 4, 5].map(sender));
    // The block lands while the six senders are mid-stream.
    await vi.waitFor(() => expect(outcomes.length).toBeGreaterThanOrEqual(6));
    expect((await block(cy, 'bl_dee')).status).toBe(200);
    blocked = true;
    await racing;
    // Every send that started after the block's answer was refused; and the accepted ones are exactly those stored.
    expect(afterBlock.length).toBeGreaterThan(0);
    expect(afterBlock.every((s) => s === 403)).toBe(true);
    const accepted = outcomes.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(6);
    const stored = (await thread(cy, direct)).filter(
      (m) => m.message.startsWith('race ') && m.message !== 'race start',
    );
    expect(stored).toHaveLength(accepted);
    // And after it, from either side.
    expect(answer(await send(dee, { message: 'late', message_group_uuid: direct }))).toEqual(refused);
  });
});
