import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type EventEnvelope, isEventOfType, toTimestamp } from '@cruddur/contracts';
import { groupInboxItem, keys, type MessageItem, messageItem, type NewMessage } from '@cruddur/ddb';
import {
  modifyRecordOf,
  nextTimestamp,
  removeRecordOf,
  sendMessage,
  startConversation,
  streamRecordOf,
} from '@cruddur/stream-testing';
import { describe, expect, it } from 'vitest';
import type { RecordHandler } from './record-handler.ts';
import { useRecordHandlerWorld } from './record-handler-world.ts';

/**
 * MODIFY and REMOVE records of messages in the record handler, against DynamoDB Local, with the changes written by
 * the messaging service's own store: previews follow edits and deletes of the message they show, unread counts
 * stay exact, and replays, duplicates and records out of order never take a row back.
 */
const t = useRecordHandlerWorld();

const get = async (key: { pk: string; sk: string }) =>
  (await t.world.ddb.send(new GetCommand({ TableName: t.world.table, Key: key, ConsistentRead: true }))).Item;
const rowOf = (owner: string, group: string) => get(keys.inbox(owner, group));
const itemOf = (m: MessageItem) => get({ pk: m.pk, sk: m.sk }) as Promise<Record<string, unknown>>;

/** Edits `m` as the messaging service does, and returns the MODIFY record the stream would carry. */
async function edit(m: MessageItem, text: string) {
  const before = await itemOf(m);
  const outcome = await t.store.editMessage({
    groupUuid: m.message_group_uuid,
    sk: m.sk,
    senderUuid: m.sender_uuid,
    seenVersion: (before.edit_version as number | undefined) ?? 0,
    at: toTimestamp(),
    text,
    notBefore: '2000-01-01T00:00:00.000Z',
  });
  expect(outcome.ok).toBe(true);
  return modifyRecordOf(before, await itemOf(m));
}

async function remove(m: MessageItem) {
  const before = await itemOf(m);
  const outcome = await t.store.deleteMessage({
    groupUuid: m.message_group_uuid,
    sk: m.sk,
    senderUuid: m.sender_uuid,
    seenVersion: (before.edit_version as number | undefined) ?? 0,
    at: toTimestamp(),
  });
  expect(outcome.ok).toBe(true);
  return modifyRecordOf(before, await itemOf(m));
}

const applied = async (record: Parameters<RecordHandler['handle']>[0]) => {
  const result = await t.handler.handle(record);
  if (result.status !== 'applied') throw new Error(`skipped: ${result.reason}`);
  return result;
};
const inboxEvents = (events: EventEnvelope[]) => events.filter((e) => isEventOfType(e, 'inbox.updated'));

async function conversation() {
  const { conversation: c, first } = await startConversation(t.world.ddb, t.world.table, 'first');
  await applied(streamRecordOf(first));
  const say = async (sender: string, text: string) => {
    const m = await sendMessage(t.world.ddb, t.world.table, c, sender, text);
    await applied(streamRecordOf(m));
    return m;
  };
  return { c, first, say };
}

describe('edits in the stream consumer', () => {
  it('puts an edit of the newest message into both previews once, never back to an older version', async () => {
    const { c, say } = await conversation();
    const older = await say(c.a, 'older');
    const head = await say(c.a, 'helo');
    const v1 = await edit(head, 'hello');
    const first = await applied(v1);
    expect(first.outcomes).toEqual({ [c.a]: 'changed', [c.b]: 'changed' });
    const updated = first.events.filter((e) => isEventOfType(e, 'message.updated'));
    expect(updated.map((e) => e.payload)).toEqual([
      expect.objectContaining({ message_uuid: head.message_uuid, message: 'hello', edit_version: 1 }),
    ]);
    expect(inboxEvents(first.events)).toHaveLength(2);
    expect(await rowOf(c.b, c.group)).toMatchObject({
      last_message_key: head.sk,
      last_message_text: 'hello',
      last_message_edit_version: 1,
      unread_count: 3,
    });
    const v2 = await edit(head, 'hello there');
    await applied(v2);
    // A replay, and the older edit arriving after the newer one, change nothing; the ids are the same as before.
    const replay = await applied(v1);
    expect(replay.outcomes).toEqual({ [c.a]: 'past', [c.b]: 'past' });
    expect(replay.events.map((e) => e.id)).toEqual(updated.map((e) => e.id));
    expect(await rowOf(c.a, c.group)).toMatchObject({
      last_message_text: 'hello there',
      last_message_edit_version: 2,
    });
    // An edit of a message no preview shows changes no row, and moves none forward (reference bug 6).
    const other = await applied(await edit(older, 'older, edited'));
    expect(other.outcomes).toEqual({ [c.a]: 'past', [c.b]: 'past' });
    expect(inboxEvents(other.events)).toEqual([]);
    expect(await rowOf(c.b, c.group)).toMatchObject({ last_message_key: head.sk, unread_count: 3 });
  });
});

describe('deletes in the stream consumer', () => {
  it('falls back to the previous message, recounts unread exactly, and never brings the text back', async () => {
    const { c, say } = await conversation();
    const keep = await say(c.a, 'keep me');
    const gone = await say(c.a, 'secret');
    expect(await rowOf(c.b, c.group)).toMatchObject({ unread_count: 3, last_message_text: 'secret' });
    const deleted = await remove(gone);
    const result = await applied(deleted);
    expect(result.outcomes).toEqual({ [c.a]: 'changed', [c.b]: 'changed' });
    expect(result.events.filter((e) => isEventOfType(e, 'message.deleted')).map((e) => e.payload)).toEqual([
      expect.objectContaining({ message_uuid: gone.message_uuid, members: [c.a, c.b], edit_version: 1 }),
    ]);
    for (const owner of [c.a, c.b]) {
      const row = await rowOf(owner, c.group);
      expect(row).toMatchObject({
        last_message_key: gone.sk,
        preview_key: keep.sk,
        last_message_uuid: keep.message_uuid,
        last_message_text: 'keep me',
        last_message_at: keep.created_at,
        last_sender_uuid: c.a,
      });
      expect(row).not.toHaveProperty('last_message_deleted');
    }
    expect((await rowOf(c.b, c.group))?.unread_count).toBe(2);
    // Replays of the delete, and of the message's INSERT, change nothing and show no text of it.
    for (const record of [deleted, streamRecordOf(gone), deleted]) {
      const again = await applied(record);
      expect(Object.values(again.outcomes).every((o) => o === 'past' || o === 'current')).toBe(true);
    }
    expect(await rowOf(c.b, c.group)).toMatchObject({ last_message_text: 'keep me', unread_count: 2 });
    // The fallback follows its own edits, and falls back again when it goes too.
    await applied(await edit(keep, 'kept, edited'));
    expect(await rowOf(c.b, c.group)).toMatchObject({
      last_message_text: 'kept, edited',
      last_message_edit_version: 1,
    });
    await applied(await remove(keep));
    expect(await rowOf(c.b, c.group)).toMatchObject({ last_message_text: 'first', unread_count: 1 });
  });

  it('shows a tombstone when everything is deleted, and the next message as usual', async () => {
    const { c, first, say } = await conversation();
    await applied(await remove(first));
    expect(await rowOf(c.b, c.group)).toMatchObject({
      last_message_uuid: first.message_uuid,
      last_message_text: '',
      last_message_deleted: true,
      unread_count: 0,
    });
    const next = await say(c.b, 'anyone?');
    const row = await rowOf(c.a, c.group);
    expect(row).toMatchObject({ last_message_key: next.sk, last_message_text: 'anyone?', unread_count: 1 });
    expect(row).not.toHaveProperty('last_message_deleted');
    expect(row).not.toHaveProperty('preview_key');
  });

  it('does not count a deleted message the owner had read, and leaves a preview of another message alone', async () => {
    const { c, say } = await conversation();
    const read = await say(c.a, 'read this');
    const head = await say(c.b, 'my reply');
    // b read everything: the read marker is at the head.
    await t.world.ddb.send(
      new UpdateCommand({
        TableName: t.world.table,
        Key: keys.inbox(c.b, c.group),
        UpdateExpression: 'SET unread_count = :zero, last_read_key = last_message_key',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
    const result = await applied(await remove(read));
    expect(result.outcomes).toEqual({ [c.a]: 'past', [c.b]: 'past' });
    expect(await rowOf(c.b, c.group)).toMatchObject({ unread_count: 0, last_message_key: head.sk });
  });

  it('ends the same whichever comes first: the delete of the newest message or a new message', async () => {
    for (const deleteFirst of [true, false]) {
      const { c, say } = await conversation();
      const before = await say(c.a, 'before');
      const newest = await say(c.a, 'newest');
      const deleted = await remove(newest);
      const arriving = await sendMessage(t.world.ddb, t.world.table, c, c.a, 'arriving');
      const records = deleteFirst ? [deleted, streamRecordOf(arriving)] : [streamRecordOf(arriving), deleted];
      for (const record of records) await applied(record);
      const row = await rowOf(c.b, c.group);
      expect(row, `delete first: ${deleteFirst}`).toMatchObject({
        last_message_key: arriving.sk,
        last_message_text: 'arriving',
        unread_count: 3,
      });
      expect(row).not.toHaveProperty('preview_key');
      expect(before.sk < arriving.sk).toBe(true);
    }
  });

  it('handles the same delete twice at once, beside a new message, with one outcome', async () => {
    for (let round = 0; round < 5; round++) {
      const { c, say } = await conversation();
      await say(c.a, 'one');
      const two = await say(c.a, 'two');
      const deleted = await remove(two);
      const arriving = await sendMessage(t.world.ddb, t.world.table, c, c.b, `reply ${round}`);
      await Promise.all([applied(deleted), applied(deleted), applied(streamRecordOf(arriving))]);
      await applied(deleted);
      expect(await rowOf(c.b, c.group)).toMatchObject({ last_message_key: arriving.sk, unread_count: 2 });
      expect(await rowOf(c.a, c.group)).toMatchObject({
        last_message_text: `reply ${round}`,
        unread_count: 1,
      });
    }
  });

  it('handles a REMOVE of a message (a TTL) like a delete', async () => {
    const { c, say } = await conversation();
    await say(c.a, 'stays');
    const expiring = await say(c.a, 'expires');
    const before = await itemOf(expiring);
    await t.world.ddb.send(
      new DeleteCommand({ TableName: t.world.table, Key: { pk: expiring.pk, sk: expiring.sk } }),
    );
    const result = await applied(removeRecordOf(before));
    expect(result.events.some((e) => isEventOfType(e, 'message.deleted'))).toBe(true);
    expect(await rowOf(c.b, c.group)).toMatchObject({ last_message_text: 'stays', unread_count: 2 });
  });
});

describe('changes in a group', () => {
  const put = (Item: object) => t.world.ddb.send(new PutCommand({ TableName: t.world.table, Item }));
  function draft(group: string, sender: string, members: string[], text: string): NewMessage {
    return {
      groupUuid: group,
      messageUuid: randomUUID(),
      senderUuid: sender,
      text,
      createdAt: nextTimestamp(),
      members,
      group: { title: 'Trip' },
    };
  }

  it("changes the rows of the message's members only, and none of a member who left", async () => {
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    const group = randomUUID();
    const first = draft(group, ann, [ann, bob, cat], 'welcome');
    await put(messageItem(first));
    for (const owner of [ann, bob, cat])
      await put(groupInboxItem(owner, first, owner === ann ? 0 : 1, messageItem(first).sk));
    const sendTo = async (sender: string, members: string[], text: string) => {
      const m = messageItem(draft(group, sender, members, text));
      await put(m);
      await applied(streamRecordOf(m));
      return m;
    };
    const toAll = await sendTo(bob, [ann, bob, cat], 'to all three');
    const head = await sendTo(ann, [ann, bob, cat], 'newest');
    // Cat leaves after the newest message reached her: her row goes with the leave.
    await t.world.ddb.send(new DeleteCommand({ TableName: t.world.table, Key: keys.inbox(cat, group) }));
    const result = await applied(await remove(head));
    expect(result.outcomes).toEqual({ [ann]: 'changed', [bob]: 'changed', [cat]: 'gone' });
    expect(await rowOf(bob, group)).toMatchObject({ last_message_text: 'to all three', unread_count: 1 });
    expect(await rowOf(ann, group)).toMatchObject({ last_message_uuid: toAll.message_uuid, unread_count: 1 });
    expect(await rowOf(cat, group)).toBeUndefined();
    const deleted = result.events.find((e) => isEventOfType(e, 'message.deleted'));
    expect(deleted?.payload).toMatchObject({
      conversation_kind: 'group',
      title: 'Trip',
      members: [ann, bob, cat],
    });
    expect(
      inboxEvents(result.events)
        .map((e) => (e.payload as { owner_uuid: string }).owner_uuid)
        .sort(),
    ).toEqual([ann, bob].sort());
  });
});
