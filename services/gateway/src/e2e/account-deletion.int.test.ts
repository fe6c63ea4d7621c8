import { call, type E2eSystem, startE2eSystem, type TestUser } from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyTable } from '../../../../scripts/ddb/lib/verify/table.ts';
import type { RunningGateway } from '../service.ts';

/**
 * Deleting an account through the gateway, on the real services and two gateway replicas: the user is signed in on
 * both and online on an event stream when they delete it.
 */
describe('gateway end to end: DELETE /api/me', () => {
  let system: E2eSystem;
  let replicaA: RunningGateway;
  let replicaB: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  const on = (gateway: RunningGateway, path: string, options: Parameters<typeof call>[2] = {}) =>
    call(gateway.url, path, options);
  const send = (from: TestUser, body: Record<string, unknown>) =>
    on(replicaA, '/api/messages', { token: from.accessToken, body });
  const thread = async (user: TestUser, group: string) =>
    (await on(replicaA, `/api/messages/${group}?limit=100`, { token: user.accessToken })).body as {
      uuid: string;
      handle: string;
      display_name: string;
      message: string;
      kind: string;
      deleted?: boolean;
    }[];

  beforeAll(async () => {
    system = await startE2eSystem();
    [replicaA, replicaB] = await Promise.all([
      system.startGateway({ GATEWAY_REPLICA_ID: `dela${Date.now().toString(36)}` }),
      system.startGateway({ GATEWAY_REPLICA_ID: `delb${Date.now().toString(36)}` }),
    ]);
    [ann, bo, cy] = await system.createUsers('del_ann', 'del_bo', 'del_cy');
  });
  afterAll(() => system?.stop());

  it('ends access at once on every replica, closes the streams, and erases what the user wrote', async () => {
    const direct = await vi.waitFor(
      async () => {
        const res = await send(bo, { message: 'bo secret one', handle: 'del_ann' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body.message_group_uuid as string;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect((await send(ann, { message: 'ann reply', message_group_uuid: direct })).status).toBe(200);
    const group = await on(replicaA, '/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['del_bo', 'del_cy'], message: 'group hello' },
    });
    expect(group.status).toBe(201);
    const groupUuid = group.body.uuid as string;
    expect((await send(bo, { message: 'bo secret two', message_group_uuid: groupUuid })).status).toBe(200);

    // Online on both replicas, with a stream on each, and the identity cached on both.
    for (const replica of [replicaA, replicaB])
      expect((await on(replica, '/api/message_groups', { token: bo.accessToken })).status).toBe(200);
    const [streamA, streamB] = await Promise.all([
      system.connect(replicaA, bo),
      system.connect(replicaB, bo),
    ]);

    const deleted = await on(replicaA, '/api/me', { token: bo.accessToken, method: 'DELETE' });
    expect([deleted.status, deleted.body]).toEqual([200, { uuid: bo.uuid, deleted: true }]);
    // At once on the replica that deleted it: its stream is over and the next request is 401.
    await streamA.ended;
    expect((await on(replicaA, '/api/message_groups', { token: bo.accessToken })).status).toBe(401);
    // On the other replica as soon as the deletion is announced, cached identity or not.
    await streamB.ended;
    expect((await on(replicaB, '/api/message_groups', { token: bo.accessToken })).status).toBe(401);
    expect((await on(replicaB, '/api/me', { token: bo.accessToken, method: 'DELETE' })).status).toBe(401);
    // The users service no longer knows them.
    expect((await on(replicaA, '/api/users/@del_bo/short')).status).toBe(404);

    // Through the outbox, messaging erases them: texts gone, "Deleted user" as sender, out of the group.
    await vi.waitFor(
      async () => {
        const messages = await thread(ann, direct);
        expect(messages.map((m) => [m.display_name, m.message])).toEqual([
          ['Deleted user', ''],
          [ann.display_name, 'ann reply'],
        ]);
      },
      { timeout: 30_000, interval: 200 },
    );
    await vi.waitFor(
      async () => {
        const messages = await thread(cy, groupUuid);
        expect(messages.map((m) => [m.kind, m.display_name, m.message])).toEqual([
          ['text', ann.display_name, 'group hello'],
          ['text', 'Deleted user', ''],
          ['system', 'Deleted user', 'left the group'],
        ]);
      },
      { timeout: 30_000, interval: 200 },
    );
    const info = await on(replicaA, `/api/message_groups/${groupUuid}`, { token: ann.accessToken });
    expect(info.body.member_count).toBe(2);
    // The direct conversation is closed: nothing more reaches the deleted account.
    expect((await send(ann, { message: 'are you there?', message_group_uuid: direct })).body).toEqual({
      errors: ['recipient_unavailable'],
    });
    expect((await send(ann, { message: 'hello?', handle: 'del_bo' })).status).toBe(404);

    // The checker finds no row, profile or text left of them, and the rest consistent.
    await vi.waitFor(
      async () => {
        const result = await verifyTable(documentClient(testStack()), system.tableName);
        expect(result.violations).toEqual([]);
      },
      { timeout: 30_000, interval: 500 },
    );
  });

  it('erases their text and their name also in a group they had left before deleting the account', async () => {
    const [dee, eve] = await Promise.all([system.createUser('del_dee'), system.createUser('del_eve')]);
    const group = await on(replicaA, '/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['del_cy', 'del_eve'], message: 'group two' },
    });
    expect(group.status).toBe(201);
    const groupUuid = group.body.uuid as string;
    const added = await on(replicaA, `/api/message_groups/${groupUuid}/members`, {
      token: ann.accessToken,
      body: { handles: ['del_dee'] },
    });
    expect(added.status).toBe(200);
    expect((await send(dee, { message: 'dee secret', message_group_uuid: groupUuid })).status).toBe(200);
    const left = await on(replicaA, `/api/message_groups/${groupUuid}/leave`, {
      token: dee.accessToken,
      method: 'POST',
    });
    expect(left.status).toBe(200);
    // Left first: the group holds no row of theirs when the account goes.
    const deleted = await on(replicaA, '/api/me', { token: dee.accessToken, method: 'DELETE' });
    expect(deleted.status).toBe(200);

    await vi.waitFor(
      async () => {
        const messages = await thread(eve, groupUuid);
        expect(messages.map((m) => [m.kind, m.display_name, m.message])).toEqual([
          ['text', ann.display_name, 'group two'],
          ['system', ann.display_name, 'added Deleted user'],
          ['text', 'Deleted user', ''],
          ['system', 'Deleted user', 'left the group'],
        ]);
      },
      { timeout: 30_000, interval: 200 },
    );
    await vi.waitFor(
      async () => {
        const result = await verifyTable(documentClient(testStack()), system.tableName);
        expect(result.violations).toEqual([]);
      },
      { timeout: 30_000, interval: 500 },
    );
  });
});
