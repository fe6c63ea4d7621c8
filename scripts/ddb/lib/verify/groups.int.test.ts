import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  conversationItem,
  groupConversationItem,
  groupInboxItem,
  inboxItem,
  keys,
  type MessageItem,
  messageItem,
  type NewMessage,
  pairItem,
  type SystemEvent,
  sortedMembers,
  userItem,
} from '@cruddur/ddb';
import { createTestTable, documentClient, type TestTable, testStack } from '@cruddur/test-kit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyTable } from './table.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const D = '00000000-0000-4000-8000-00000000000d';
const G = '00000000-0000-4000-8000-0000000000a1';
const DIRECT = '00000000-0000-4000-8000-0000000000d1';

/** Message `n` of the group, a minute apart, sent to `members` under `title`. */
function groupMessage(
  n: number,
  sender: string,
  members: string[],
  title: string,
  system?: SystemEvent,
): NewMessage {
  return {
    groupUuid: G,
    messageUuid: `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`,
    senderUuid: sender,
    text: system ? `${system.action} ${system.user_uuids.join(' ')}` : `message ${n}`,
    createdAt: `2026-11-25T10:0${n}:00.000Z`,
    members,
    group: { title, ...(system ? { system } : {}) },
  };
}

/**
 * A group as the messaging service writes it: A starts it with B and C, A adds D, C leaves, B renames it.
 * Keys k1..k7 are the messages' sort keys.
 */
const m = [
  groupMessage(1, A, [A, B, C], 'Trip'),
  groupMessage(2, B, [A, B, C], 'Trip'),
  groupMessage(3, A, [A, B, C, D], 'Trip', { action: 'added', user_uuids: [D] }),
  groupMessage(4, D, [A, B, C, D], 'Trip'),
  groupMessage(5, C, [A, B, D], 'Trip', { action: 'left', user_uuids: [C] }),
  groupMessage(6, B, [A, B, D], 'Trip 2', { action: 'renamed', user_uuids: [], title: 'Trip 2' }),
  groupMessage(7, A, [A, B, D], 'Trip 2'),
] as const;
const k = m.map((x) => messageItem(x).sk);
const [m1, m2, , m4, m5, m6, m7] = m;
const [k1, , k3, , , k6, k7] = k as [string, string, string, string, string, string, string];

const meta = {
  ...groupConversationItem({
    groupUuid: G,
    members: [A, B, C],
    createdBy: A,
    title: 'Trip',
    createdAt: m1.createdAt,
    firstMessageKey: k1,
  }),
  members: [A, B, D],
  title: 'Trip 2',
  joined: { [A]: k1, [B]: k1, [D]: k3 },
  state_key: k6,
};

/** Each member's row at m7 by the unread rule: A sent it; B read up to the rename; D read nothing since joining. */
const rows = {
  a: groupInboxItem(A, m7, 0, k1, k7),
  b: groupInboxItem(B, m7, 1, k1, k6),
  // m3 (the add), m5 (C's leave), m6 (the rename) and m7; m4 is D's own.
  d: groupInboxItem(D, m7, 4, k3),
};

const directFirst: NewMessage = {
  groupUuid: DIRECT,
  messageUuid: '00000000-0000-4000-8000-0000000002f1',
  senderUuid: A,
  text: 'hi',
  createdAt: '2026-11-25T09:00:00.000Z',
  members: sortedMembers(A, B),
};

/** The group, a direct conversation of A and B beside it, and every profile. */
const consistent = [
  meta,
  ...m.map((x) => messageItem(x)),
  rows.a,
  rows.b,
  rows.d,
  pairItem({ userA: A, userB: B, groupUuid: DIRECT, createdAt: directFirst.createdAt }),
  conversationItem({ groupUuid: DIRECT, members: sortedMembers(A, B), createdAt: directFirst.createdAt }),
  messageItem(directFirst),
  inboxItem(A, B, directFirst, 0, messageItem(directFirst).sk),
  inboxItem(B, A, directFirst, 1),
  ...[A, B, C, D].map((uuid) =>
    userItem({ uuid, handle: uuid.slice(-1), display_name: uuid.slice(-1), bio: null, version: 1 }),
  ),
];

describe('verifyTable on a group conversation', () => {
  const stack = testStack();
  const doc = documentClient(stack);
  let table: TestTable | undefined;

  afterEach(async () => {
    await table?.drop();
    table = undefined;
  });
  afterAll(() => doc.destroy());

  const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table!.name, Item }));
  const remove = (Key: { pk: string; sk: string }) =>
    doc.send(new DeleteCommand({ TableName: table!.name, Key }));

  /** A fresh table holding the consistent items. */
  async function consistentTable() {
    table = await createTestTable(stack, 'verify-group');
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.name]: consistent.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }

  async function kinds() {
    const result = await verifyTable(doc, table!.name);
    return result.violations.map((v) => v.kind).sort();
  }

  async function violationOf(kind: string) {
    return (await verifyTable(doc, table!.name)).violations.find((v) => v.kind === kind);
  }

  it('finds nothing wrong with a group that was started, added to, left and renamed', async () => {
    await consistentTable();
    const result = await verifyTable(doc, table!.name);
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({ conversations: 2, groups: 1, messages: 8, inboxRows: 5, profiles: 4 });
  });

  it('inbox_row_missing: a current member without a row', async () => {
    await consistentTable();
    await remove(keys.inbox(D, G));
    expect(await kinds()).toEqual(['inbox_row_missing']);
  });

  it('inbox_owner_not_member: a row for someone who left (or never was a member)', async () => {
    await consistentTable();
    await put(groupInboxItem(C, m4, 0, k1));
    expect(await kinds()).toEqual(['inbox_owner_not_member']);
    expect(await violationOf('inbox_owner_not_member')).toMatchObject({ pk: keys.inboxPartition(C), sk: G });
  });

  it('inbox_stale: a row behind the newest message sent to its owner', async () => {
    await consistentTable();
    await put(groupInboxItem(B, m6, 0, k1, k6));
    expect(await kinds()).toEqual(['inbox_stale']);
    expect(await violationOf('inbox_stale')).toMatchObject({ pk: keys.inboxPartition(B), sk: G });
  });

  it('inbox_points_past_newest: a row whose head is no message sent to its owner', async () => {
    await consistentTable();
    await put({ ...rows.a, last_message_key: `2026-11-25T11:00:00.000Z#${m7.messageUuid}` });
    expect(await kinds()).toEqual(['inbox_points_past_newest']);
  });

  it('finds nothing wrong once the first text messages of a group expired (retention: system messages stay)', async () => {
    await consistentTable();
    // TTL removes text messages only; the founders' joins now name a message that is gone.
    await remove(keys.message(G, m1.createdAt, m1.messageUuid));
    await remove(keys.message(G, m2.createdAt, m2.messageUuid));
    expect(await kinds()).toEqual([]);
  });

  it('inbox_without_messages: rows of a group whose messages are gone', async () => {
    await consistentTable();
    for (const x of m) await remove(keys.message(G, x.createdAt, x.messageUuid));
    expect(await kinds()).toEqual(Array(3).fill('inbox_without_messages'));
  });

  it('group_inbox_unread_wrong: an unread count a recount by the unread rule does not give', async () => {
    await consistentTable();
    // Counting from before D joined (m1, m2 were never sent to D) or D's own m4 would give 3 or 5.
    await put({ ...rows.d, unread_count: 5 });
    expect(await kinds()).toEqual(['group_inbox_unread_wrong']);
    expect((await violationOf('group_inbox_unread_wrong'))?.detail).toBe(
      'unread_count is 5, a recount gives 4',
    );
  });

  it('group_inbox_joined_wrong: a row joined elsewhere than META says', async () => {
    await consistentTable();
    await put({ ...rows.d, joined_key: k1 });
    expect(await kinds()).toEqual(['group_inbox_joined_wrong']);
  });

  it('group_inbox_entry_wrong: title, member count or sample not those of the head message', async () => {
    await consistentTable();
    await put({ ...rows.b, title: 'Trip', member_count: 4, member_sample: [A, B, C, D] });
    expect(await kinds()).toEqual(['group_inbox_entry_wrong']);
    expect((await violationOf('group_inbox_entry_wrong'))?.detail).toMatch(
      /title Trip \(head: Trip 2\); member_count 4 \(head: 3\); member_sample/,
    );
  });

  it('group_inbox_row_duplicated: a second row of the same member, under another key', async () => {
    await consistentTable();
    await put({ ...rows.b, sk: `${G}#copy` });
    expect(await kinds()).toEqual(['group_inbox_row_duplicated', 'inbox_key_mismatch']);
  });

  it('group_joined_mismatch: META joins that are not exactly the members, or not where they joined', async () => {
    await consistentTable();
    await put({ ...meta, joined: { ...meta.joined, [C]: k1 } });
    expect(await kinds()).toEqual(['group_joined_mismatch']);
    // D's row agrees with META here, so only META is wrong: D joined at the add, k3.
    await put({ ...meta, joined: { ...meta.joined, [D]: k1 } });
    await put({ ...rows.d, joined_key: k1 });
    expect(await kinds()).toEqual(['group_joined_mismatch']);
    expect((await violationOf('group_joined_mismatch'))?.detail).toBe(
      `joined[${D}] is ${k1}, but ${D} last joined at ${k3}`,
    );
  });

  it('group_members_mismatch: META members other than the system messages give (a leave META missed)', async () => {
    await consistentTable();
    await put({ ...meta, members: [A, B, C, D], joined: { ...meta.joined, [C]: k1 } });
    expect(await kinds()).toEqual(['group_members_mismatch', 'inbox_row_missing']);
  });

  it('group_state_key_wrong: a state_key that is not the newest system message', async () => {
    await consistentTable();
    await put({ ...meta, state_key: k3 });
    expect(await kinds()).toEqual(['group_state_key_wrong']);
  });

  it('finds nothing wrong with a send keyed just above a change it committed before', async () => {
    await consistentTable();
    // A read the state before C's leave and committed while the leave, drafted 300 ms earlier, was in
    // flight: sent to C too, correctly, though its key is above the leave's.
    const raced = { ...groupMessage(8, A, [A, B, C, D], 'Trip'), createdAt: '2026-11-25T10:05:00.300Z' };
    await put(messageItem(raced));
    await put({ ...rows.d, unread_count: 5 });
    expect(await kinds()).toEqual([]);
  });

  it('message_members_mismatch: a message committed with a membership no longer in force', async () => {
    await consistentTable();
    // Sent two minutes after C left, on the state before: the send's state_key check should have failed it.
    const stale = { ...m7, members: [A, B, C, D] };
    await put(messageItem(stale));
    // The rows follow their head, as the stream consumer would have moved them.
    await Promise.all([
      put(groupInboxItem(A, stale, 0, k1, k7)),
      put(groupInboxItem(B, stale, 1, k1, k6)),
      put(groupInboxItem(D, stale, 4, k3)),
    ]);
    expect(await kinds()).toEqual(['message_members_mismatch']);
    expect(await violationOf('message_members_mismatch')).toMatchObject({
      pk: keys.messagePartition(G),
      sk: k7,
    });
  });

  it('sender_not_member: a message from someone not yet a member, a leave sent by someone else', async () => {
    await consistentTable();
    await put({ ...messageItem(m2), sender_uuid: D });
    expect(await kinds()).toEqual(['sender_not_member']);
    await put(messageItem(m2));
    await put({ ...messageItem(m5), sender_uuid: B });
    expect(await kinds()).toEqual(['sender_not_member']);
    expect((await violationOf('sender_not_member'))?.detail).toMatch(/sent by the one who left/);
  });

  it('group_system_message_invalid: kind "system" without its event', async () => {
    await consistentTable();
    const { system: _, ...withoutEvent } = messageItem(m6);
    await put(withoutEvent);
    expect(await kinds()).toEqual(['group_system_message_invalid']);
  });

  it('message_conversation_kind_wrong: a group message not marked as one, a direct one marked', async () => {
    await consistentTable();
    const { conversation_kind: _, ...unmarked } = messageItem(m4) as MessageItem;
    await put(unmarked);
    expect(await kinds()).toEqual(['message_conversation_kind_wrong']);
    await put(messageItem(m4));
    await put({ ...messageItem(directFirst), conversation_kind: 'group' });
    expect(await kinds()).toEqual(['message_conversation_kind_wrong']);
  });

  it('conversation_members_invalid: a group naming a member twice', async () => {
    await consistentTable();
    await put({ ...meta, members: [A, B, D, D] });
    expect(await kinds()).toEqual([
      'conversation_members_invalid',
      'group_joined_mismatch',
      'group_members_mismatch',
    ]);
  });
});
