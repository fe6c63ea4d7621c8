import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type EventEnvelope, isEventOfType, toTimestamp } from '@cruddur/contracts';
import { conversationItem, keys, type MessageItem, receiptItem } from '@cruddur/ddb';
import { modifyRecordOf, startConversation, streamRecordOf, writeGroup } from '@cruddur/stream-testing';
import { describe, expect, it } from 'vitest';
import type { RecordHandler } from './record-handler.ts';
import { useRecordHandlerWorld } from './record-handler-world.ts';

/**
 * Reaction and read-position records in the record handler, against DynamoDB Local, written by the messaging
 * service's own store: one event per change to the conversation's current members who may see it, the same ids on
 * a replay, and nothing for a rewrite.
 */
const t = useRecordHandlerWorld();

const get = async ({ pk, sk }: { pk: string; sk: string }) =>
  (
    await t.world.ddb.send(
      new GetCommand({ TableName: t.world.table, Key: { pk, sk }, ConsistentRead: true }),
    )
  ).Item!;
const events = async (record: Parameters<RecordHandler['handle']>[0]): Promise<EventEnvelope[]> => {
  const result = await t.handler.handle(record);
  return result.status === 'applied' ? result.events : [];
};

/** Reacts as the messaging service does and returns the MODIFY record the stream would carry. */
async function react(m: MessageItem, user: string, emoji: string, action: 'add' | 'remove') {
  const before = await get(m);
  const first = action === 'add' && before.reactions === undefined;
  const outcome = await t.store.changeReaction(
    { groupUuid: m.message_group_uuid, sk: m.sk, userUuid: user, emoji },
    first ? 'first' : action,
  );
  expect(outcome.ok).toBe(true);
  return modifyRecordOf(before, await get(m));
}

async function direct() {
  const { conversation: c, first } = await startConversation(t.world.ddb, t.world.table, 'first');
  await t.world.ddb.send(
    new PutCommand({
      TableName: t.world.table,
      Item: conversationItem({ groupUuid: c.group, members: [c.a, c.b], createdAt: first.created_at }),
    }),
  );
  return { c, first };
}

describe('reactions in the stream consumer', () => {
  it('publish one reaction.changed per change with who did what, the same id on a replay', async () => {
    const { c, first } = await direct();
    const added = await react(first, c.b, '👍', 'add');
    const [event, ...rest] = await events(added);
    expect(rest).toEqual([]);
    expect(event && isEventOfType(event, 'reaction.changed') && event.payload).toEqual({
      message_group_uuid: c.group,
      message_uuid: first.message_uuid,
      members: [c.a, c.b],
      reaction_version: 1,
      reactions: [{ emoji: '👍', count: 1 }],
      change: { user_uuid: c.b, emoji: '👍', action: 'added' },
    });
    expect((await events(added)).map((e) => e.id)).toEqual([event!.id]);
    // Removing the last one leaves an empty map; the next add still says who and what.
    await events(await react(first, c.b, '👍', 'remove'));
    const again = await events(await react(first, c.a, '🎉', 'add'));
    expect(again[0]?.payload).toMatchObject({
      reaction_version: 3,
      change: { user_uuid: c.a, action: 'added' },
    });
    // A rewrite of the same message is no change.
    const item = await get(first);
    expect(await t.handler.handle(modifyRecordOf(item, item))).toMatchObject({ status: 'skipped' });
  });

  it('go to the current members of a group who were sent the message, not to a member who left', async () => {
    const members = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].sort();
    const g = await writeGroup(t.world.ddb, t.world.table, members);
    const first = (await get({ pk: keys.messagePartition(g.group), sk: g.stateKey })) as MessageItem;
    await t.world.ddb.send(
      new UpdateCommand({
        TableName: t.world.table,
        Key: keys.conversation(g.group),
        UpdateExpression: 'SET members = :m',
        ExpressionAttributeValues: { ':m': members.slice(0, 2) },
      }),
    );
    const [event] = await events(await react(first, members[0]!, '👍', 'add'));
    expect(event?.payload).toMatchObject({ members: members.slice(0, 2), conversation_kind: 'group' });
  });
});

describe('read positions in the stream consumer', () => {
  it('publish receipt.updated to the members who send read receipts, once per position', async () => {
    const { c, first } = await direct();
    const receipt = receiptItem({
      groupUuid: c.group,
      userUuid: c.b,
      readKey: first.sk,
      messageUuid: first.message_uuid,
      at: toTimestamp(),
    });
    expect(await t.store.recordReceipt(receipt)).toBe(true);
    const inserted = streamRecordOf(await get(receipt));
    const [event] = await events(inserted);
    expect(event && isEventOfType(event, 'receipt.updated') && event.payload).toEqual({
      message_group_uuid: c.group,
      user_uuid: c.b,
      members: [c.a, c.b],
      message_uuid: first.message_uuid,
      read_key: first.sk,
      read_at: receipt.read_at,
    });
    expect((await events(inserted)).map((e) => e.id)).toEqual([event!.id]);
    // Someone with receipts off hears of nobody's position; a reader with receipts off has none to tell.
    await t.store.changeSettings(c.a, { read_receipts: false }, toTimestamp());
    expect((await events(inserted))[0]?.payload).toMatchObject({ members: [c.b] });
    await t.store.changeSettings(c.b, { read_receipts: false }, toTimestamp());
    expect(await events(inserted)).toEqual([]);
  });
});
