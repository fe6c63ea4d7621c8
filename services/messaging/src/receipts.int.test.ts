import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, receiptItem } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { callJson, documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { startMessagingService } from './service.ts';

/** Read receipts and the setting that turns them off, through the internal API, against DynamoDB Local. */
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

async function direct(from: User, to: User) {
  const res = await f.call('/internal/conversations', {
    as: from.uuid,
    body: { recipient_uuid: to.uuid, message: 'hello' },
  });
  return { group: res.body.message.message_group_uuid as string, first: res.body.message.uuid as string };
}
const markRead = (g: string, as: User, url = f.service.url) =>
  f.keys
    .asUser('messaging', as.uuid)
    .then((headers) => callJson(`${url}/internal/conversations/${g}/read`, { method: 'POST', headers }));
/** Who the viewer sees at which message: [handle, message uuid] pairs. */
const positions = async (g: string, as: User) => {
  const page = await f.call(`/internal/conversations/${g}/messages?limit=100`, { as: as.uuid });
  const list = await f.call(`/internal/conversations/${g}/receipts`, { as: as.uuid });
  const fromPage = (page.body.receipts as { user: User; message_uuid: string }[])
    .map((r) => [r.user.handle, r.message_uuid])
    .sort();
  expect(
    (list.body.items as { user: User; message_uuid: string }[])
      .map((r) => [r.user.handle, r.message_uuid])
      .sort(),
  ).toEqual(fromPage);
  return fromPage;
};
const setReceipts = (as: User, on: boolean) =>
  f.call('/internal/me/settings', { as: as.uuid, method: 'PUT', body: { read_receipts: on } });

/** A receipt of `user` at a made-up message key of `g` (the stream consumer, absent here, moves inbox heads). */
const receiptAt = (g: string, user: User, ms: number) => {
  const at = new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const messageUuid = `0190f0f0-0000-7000-8000-${String(ms % 1e12).padStart(12, '0')}`;
  return receiptItem({ groupUuid: g, userUuid: user.uuid, readKey: `${at}#${messageUuid}`, messageUuid, at });
};
const recorded = async (g: string, user: User) =>
  (await f.items(`READ#${g}`)).find((r) => r.user_uuid === user.uuid)?.read_message_uuid as
    | string
    | undefined;

describe('read receipts', () => {
  it('show the other members how far you have read, from your marks', async () => {
    const [ann, bob, cat] = await users('rr', 3);
    const { group: g, first } = await direct(ann!, bob!);
    expect(await positions(g, ann!)).toEqual([]);
    expect((await markRead(g, bob!)).status).toBe(200);
    expect(await positions(g, ann!)).toEqual([[bob!.handle, first]]);
    // Your own position is not in your own view, and nobody outside sees any.
    expect(await positions(g, bob!)).toEqual([]);
    expect((await f.call(`/internal/conversations/${g}/receipts`, { as: cat!.uuid })).body).toEqual({
      errors: ['message_group_not_found'],
    });
    expect((await f.items(`READ#${g}`)).map((r) => r.user_uuid)).toEqual([bob!.uuid]);
  });

  it('in a group show each current member’s position', async () => {
    const [ann, bob, cat, dan] = await users('rrg', 4);
    const start = await f.call('/internal/groups', {
      as: ann!.uuid,
      body: { members: [member(bob!), member(cat!), member(dan!)], message: 'first' },
    });
    const g = start.body.group.message_group_uuid as string;
    const first = start.body.message.uuid as string;
    await Promise.all([markRead(g, bob!), markRead(g, cat!), markRead(g, dan!)]);
    expect(await positions(g, ann!)).toEqual([bob!, cat!, dan!].map((u) => [u.handle, first]).sort());
    // A member who left is no longer shown.
    await f.call(`/internal/conversations/${g}/leave`, { as: dan!.uuid, method: 'POST' });
    expect((await positions(g, ann!)).map(([h]) => h)).toEqual([bob!.handle, cat!.handle].sort());
  });

  it('in a group above ten members (read by a Query, not by key) show the same, and follow the settings', async () => {
    const [ann, ...rest] = (await users('rrbig', 12)) as User[];
    if (!ann) throw new Error('no users');
    const start = await f.call('/internal/groups', {
      as: ann.uuid,
      body: { members: rest.map(member), message: 'first' },
    });
    const g = start.body.group.message_group_uuid as string;
    const first = start.body.message.uuid as string;
    const readers = rest.slice(0, 3) as [User, User, User];
    expect(rest).toHaveLength(11);
    await Promise.all(readers.map((u) => markRead(g, u)));
    expect(await positions(g, ann)).toEqual(readers.map((u) => [u.handle, first]).sort());
    // A reader who turns receipts off is hidden at once; a viewer who does sees nobody.
    await setReceipts(readers[0], false);
    expect((await positions(g, ann)).map(([h]) => h)).toEqual([readers[1].handle, readers[2].handle].sort());
    await setReceipts(ann, false);
    expect(await positions(g, ann)).toEqual([]);
  });

  it('only move forward, whatever order marks from two replicas arrive in', async () => {
    const other = await startMessagingService(f.config, { logger: silentLogger, usersEventsWaitSeconds: 1 });
    try {
      const [ann, bob] = await users('rrfwd', 2);
      const { group: g } = await direct(ann!, bob!);
      // 40 positions recorded at once, in a shuffled order, half by each replica's store: the newest wins.
      const order = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
      await Promise.all(
        order.map((ms, i) => (i % 2 ? other.store : f.store).recordReceipt(receiptAt(g, bob!, ms + 1))),
      );
      const newest = receiptAt(g, bob!, 40);
      expect(await recorded(g, bob!)).toBe(newest.read_message_uuid);
      // A late (or replayed) mark of an older position, or the same one again, changes nothing.
      expect(await f.store.recordReceipt(receiptAt(g, bob!, 3))).toBe(false);
      expect(await f.store.recordReceipt(newest)).toBe(false);
      expect(await recorded(g, bob!)).toBe(newest.read_message_uuid);
    } finally {
      await other.stop();
    }
  });

  it('turned off: your position is neither recorded nor shown, and you see nobody’s', async () => {
    const [ann, bob] = await users('rroff', 2);
    const { group: g, first } = await direct(ann!, bob!);
    expect((await f.call('/internal/me/settings', { as: bob!.uuid })).body).toEqual({ read_receipts: true });
    await markRead(g, ann!);
    await markRead(g, bob!);
    expect(await positions(g, ann!)).toEqual([[bob!.handle, first]]);
    expect(await positions(g, bob!)).toEqual([[ann!.handle, first]]);

    expect((await setReceipts(bob!, false)).body).toEqual({ read_receipts: false });
    expect((await f.call('/internal/me/settings', { as: bob!.uuid })).body).toEqual({ read_receipts: false });
    expect(await positions(g, ann!)).toEqual([]);
    expect(await positions(g, bob!)).toEqual([]);
    // While off, no position of theirs is recorded (the check is in the receipt's own transaction).
    expect(await f.store.recordReceipt(receiptAt(g, bob!, Date.now()))).toBe(false);
    expect(await recorded(g, bob!)).toBe(first);

    // On again: the position recorded before shows, and moves from the next mark.
    await setReceipts(bob!, true);
    expect(await positions(g, ann!)).toEqual([[bob!.handle, first]]);
    const later = receiptAt(g, bob!, Date.now());
    expect(await f.store.recordReceipt(later)).toBe(true);
    expect(await positions(g, ann!)).toEqual([[bob!.handle, later.read_message_uuid]]);
  });

  it('settings change only what is named, keeping what other features store in the same item', async () => {
    const [ann] = await users('rrkeep', 1);
    await setReceipts(ann!, true);
    // Another feature's setting, written into the one settings item as its owner would.
    const ddb = documentClient(stack);
    await ddb.send(
      new UpdateCommand({
        TableName: f.table.name,
        Key: keys.settings(ann!.uuid),
        UpdateExpression: 'SET other_setting = :v',
        ExpressionAttributeValues: { ':v': 'kept' },
      }),
    );
    ddb.destroy();
    expect((await setReceipts(ann!, false)).body).toEqual({ read_receipts: false });
    expect((await f.call('/internal/me/settings', { as: ann!.uuid, method: 'PUT', body: {} })).body).toEqual({
      read_receipts: false,
    });
    expect(await f.items(keys.settings(ann!.uuid).pk)).toEqual([
      expect.objectContaining({ read_receipts: false, other_setting: 'kept' }),
    ]);
  });

  it('settings take a boolean only', async () => {
    const [ann] = await users('rrset', 1);
    for (const body of [
      { read_receipts: 'no' },
      { read_receipts: null },
      { read_receipts: true, extra: 1 },
    ]) {
      const res = await f.call('/internal/me/settings', { as: ann!.uuid, method: 'PUT', body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });
});
