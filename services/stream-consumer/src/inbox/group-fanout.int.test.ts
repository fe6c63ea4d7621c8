import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isEventOfType } from '@cruddur/contracts';
import {
  groupInboxItem,
  keys,
  type MessageItem,
  messageItem,
  type NewMessage,
  type SystemEvent,
} from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import {
  createWorld,
  nextTimestamp,
  streamRecordOf,
  type TestWorld,
  writeGroup,
} from '@cruddur/stream-testing';
import { testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordHandler } from './record-handler.ts';

/** The record handler on group messages, against DynamoDB Local: rows that exist only for members, joins as floors. */
const stack = testStack();
let world: TestWorld;
let handler: RecordHandler;

beforeAll(async () => {
  world = await createWorld(stack);
  handler = new RecordHandler({ ddb: world.ddb, table: world.table, logger: silentLogger });
});
afterAll(() => world?.dispose());

const put = (Item: object) => world.ddb.send(new PutCommand({ TableName: world.table, Item }));
const rowOf = async (owner: string, group: string) =>
  (
    await world.ddb.send(
      new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item;

function draft(
  group: string,
  sender: string,
  members: string[],
  text: string,
  extra: { title?: string; system?: SystemEvent } = {},
): NewMessage {
  return {
    groupUuid: group,
    messageUuid: randomUUID(),
    senderUuid: sender,
    text,
    createdAt: nextTimestamp(),
    members,
    group: { title: extra.title, system: extra.system },
  };
}

/** A group as its start transaction leaves it: META, the first message and every member's row. */
const startGroup = (members: string[], title?: string) => writeGroup(world.ddb, world.table, members, title);

async function stored(m: NewMessage): Promise<MessageItem> {
  const item = messageItem(m);
  await put(item);
  return item;
}

describe('group messages in the stream consumer', () => {
  it("moves every member's row with the group's title and size, and events name the group", async () => {
    const members = [randomUUID(), randomUUID(), randomUUID()];
    const { group } = await startGroup(members, 'Trip');
    const sent = await stored(draft(group, members[1]!, members, 'hello', { title: 'Trip' }));
    const result = await handler.handle(streamRecordOf(sent));
    expect(result.status).toBe('applied');
    if (result.status !== 'applied') return;
    expect(result.outcomes).toEqual({
      [members[0]!]: 'advanced',
      [members[1]!]: 'advanced',
      [members[2]!]: 'advanced',
    });
    expect(await rowOf(members[0]!, group)).toMatchObject({
      unread_count: 1,
      title: 'Trip',
      member_count: 3,
      kind: 'group',
    });
    expect(await rowOf(members[1]!, group)).toMatchObject({ unread_count: 1, last_message_text: 'hello' });
    expect(await rowOf(members[2]!, group)).toMatchObject({ unread_count: 2 });
    const created = result.events.find((e) => e.type === 'message.created');
    expect(created?.payload).toMatchObject({ conversation_kind: 'group', title: 'Trip', members });
    const inbox = result.events.filter((e) => e.type === 'inbox.updated');
    expect(inbox.map((e) => e.payload)).toEqual(
      expect.arrayContaining(
        members.map((owner) => expect.objectContaining({ owner_uuid: owner, member_count: 3 })),
      ),
    );
    // A replay changes nothing.
    const replay = await handler.handle(streamRecordOf(sent));
    expect(replay.status === 'applied' && Object.values(replay.outcomes)).toEqual([
      'current',
      'current',
      'current',
    ]);
    expect(await rowOf(members[2]!, group)).toMatchObject({ unread_count: 2 });
  });

  it("never recreates a leaver's row from a late record of an older message", async () => {
    const members = [randomUUID(), randomUUID(), randomUUID()];
    const { group } = await startGroup(members);
    const before = await stored(draft(group, members[0]!, members, 'sent while all three were in'));
    // The leave transaction: the leaver's row goes, the "left" message names the two who stay.
    await world.ddb.send(new DeleteCommand({ TableName: world.table, Key: keys.inbox(members[2]!, group) }));
    const leave = await stored(
      draft(group, members[2]!, members.slice(0, 2), 'left the group', {
        system: { action: 'left', user_uuids: [members[2]!] },
      }),
    );
    expect((await handler.handle(streamRecordOf(leave))).status).toBe('applied');
    const late = await handler.handle(streamRecordOf(before));
    expect(late.status === 'applied' && late.outcomes[members[2]!]).toBe('gone');
    expect(await rowOf(members[2]!, group)).toBeUndefined();
    expect(await rowOf(members[0]!, group)).toMatchObject({
      last_message_text: 'left the group',
      member_count: 2,
    });
    expect(
      late.status === 'applied' &&
        late.events.some((e) => isEventOfType(e, 'inbox.updated') && e.payload.owner_uuid === members[2]),
    ).toBe(false);
  });

  it('counts a member who came back only from their new join, even on a recount', async () => {
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    const { group } = await startGroup([ann, bob, cat]);
    const whileIn = await stored(draft(group, ann, [ann, bob, cat], 'cat saw this'));
    await world.ddb.send(new DeleteCommand({ TableName: world.table, Key: keys.inbox(cat, group) }));
    await stored(
      draft(group, cat, [ann, bob], 'left the group', { system: { action: 'left', user_uuids: [cat] } }),
    );
    const away = await stored(draft(group, ann, [ann, bob], 'cat never got this'));
    const back = draft(group, bob, [ann, bob, cat], 'added @cat', {
      system: { action: 'added', user_uuids: [cat] },
    });
    const backItem = await stored(back);
    await put(groupInboxItem(cat, back, 1, backItem.sk));
    const after = await stored(draft(group, ann, [ann, bob, cat], 'welcome back'));
    for (const m of [after, whileIn, away]) await handler.handle(streamRecordOf(m));
    // A late record older than the row's head makes the handler recount; only the add and "welcome back" count.
    const lateAfterJoin = await stored({
      ...draft(group, bob, [ann, bob, cat], 'late but after the join'),
      createdAt: backItem.created_at,
      messageUuid: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
    });
    await handler.handle(streamRecordOf(lateAfterJoin));
    expect(await rowOf(cat, group)).toMatchObject({
      unread_count: 3,
      last_message_text: 'welcome back',
      joined_key: backItem.sk,
    });
  });

  it('publishes no message.created for a message sent to nobody (the last member left)', async () => {
    const members = [randomUUID(), randomUUID(), randomUUID()];
    const { group } = await startGroup(members);
    const last = await stored(
      draft(group, members[0]!, [], 'left the group', {
        system: { action: 'left', user_uuids: [members[0]!] },
      }),
    );
    const result = await handler.handle(streamRecordOf(last));
    expect(result.status === 'applied' && result.events).toEqual([]);
  });
});
