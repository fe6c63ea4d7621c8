import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  conversationItem,
  inboxItem,
  type MessageItem,
  messageItem,
  type NewMessage,
  pairItem,
  receiptItem,
  settingsItem,
  sortedMembers,
  userItem,
} from '@cruddur/ddb';
import { createTestTable, documentClient, type TestTable, testStack } from '@cruddur/test-kit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyTable } from './table.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const G = '00000000-0000-4000-8000-0000000000d2';

const draft = (n: number, sender: string, text: string): NewMessage => ({
  groupUuid: G,
  messageUuid: `00000000-0000-4000-8000-0000000003${String(n).padStart(2, '0')}`,
  senderUuid: sender,
  text,
  createdAt: `2026-11-25T10:0${n}:00.000Z`,
  members: sortedMembers(A, B),
});
const tombstone = (m: MessageItem, version = 1): MessageItem => {
  const { message: _text, ...rest } = m;
  return { ...rest, deleted: true, deleted_at: m.created_at, edit_version: version };
};

/** A's "one", B's "two" (edited to "two!"), A's "three" (deleted): as the messaging service leaves them. */
const x1 = messageItem(draft(1, A, 'one'));
const x2 = { ...messageItem(draft(2, B, 'two!')), edit_version: 1, edited_at: '2026-11-25T10:02:30.000Z' };
const x3 = tombstone(messageItem(draft(3, A, 'three')));
const head = draft(3, A, 'three');

/**
 * Both rows as the stream consumer leaves them: the head is the tombstone x3, the preview falls back to x2 as
 * edited. A read up to x1 (x2 is unread); B read nothing (x1; the deleted x3 no longer counts).
 */
/** What both rows preview: x2 as edited, not the deleted head. */
const preview = {
  preview_key: x2.sk,
  last_message_uuid: x2.message_uuid,
  last_message_text: 'two!',
  last_message_at: x2.created_at,
  last_sender_uuid: B,
  last_message_edit_version: 1,
};
const rowA = { ...inboxItem(A, B, head, 1, x1.sk), ...preview };
const rowB = { ...inboxItem(B, A, head, 1), ...preview };

const consistent = [
  pairItem({ userA: A, userB: B, groupUuid: G, createdAt: x1.created_at }),
  conversationItem({ groupUuid: G, members: sortedMembers(A, B), createdAt: x1.created_at }),
  x1,
  x2,
  x3,
  rowA,
  rowB,
  ...[A, B].map((uuid) =>
    userItem({ uuid, handle: uuid.slice(-1), display_name: uuid.slice(-1), bio: null, version: 1 }),
  ),
];

describe('verifyTable on messages that change', () => {
  const stack = testStack();
  const doc = documentClient(stack);
  let table: TestTable | undefined;
  afterEach(async () => {
    await table?.drop();
    table = undefined;
  });
  afterAll(() => doc.destroy());
  const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table!.name, Item }));
  async function consistentTable() {
    table = await createTestTable(stack, 'verify-changes');
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.name]: consistent.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  const found = async () => (await verifyTable(doc, table!.name)).violations;
  const kinds = async () => (await found()).map((v) => v.kind).sort();

  it('finds nothing wrong with an edit, a deleted head and previews that fell back', async () => {
    await consistentTable();
    expect(await found()).toEqual([]);
  });

  it('tombstone_has_text and message_text_missing', async () => {
    await consistentTable();
    await put({ ...x3, message: 'three' });
    await put({ ...x1, message: undefined });
    expect(await kinds()).toEqual(['message_text_missing', 'tombstone_has_text']);
  });

  it('inbox_preview_wrong: the old text after an edit, the deleted message, or a tombstone where one is left', async () => {
    await consistentTable();
    await put({ ...rowA, last_message_text: 'two', last_message_edit_version: undefined });
    expect(await kinds()).toEqual(['inbox_preview_wrong']);
    expect((await found())[0]?.detail).toMatch(/reads "two!".*edit 0 of the message, which is at 1/);
    await put(rowA);
    const { preview_key: _p, last_message_edit_version: _v, ...showsDeleted } = rowB;
    await put({
      ...showsDeleted,
      last_message_uuid: x3.message_uuid,
      last_message_text: 'three',
      last_message_at: x3.created_at,
      last_sender_uuid: A,
    });
    expect(await kinds()).toEqual(['inbox_preview_wrong']);
    await put({ ...rowB, last_message_text: '', last_message_deleted: true });
    expect((await found())[0]?.detail).toMatch(/last_message_deleted is true/);
  });

  it('inbox_unread_wrong: a direct count that still counts a deleted message', async () => {
    await consistentTable();
    await put({ ...rowB, unread_count: 2 });
    expect(await kinds()).toEqual(['inbox_unread_wrong']);
    expect((await found())[0]?.detail).toBe('unread_count is 2, a recount gives 1');
  });
});

describe('verifyTable on reactions and read positions', () => {
  const stack = testStack();
  const doc = documentClient(stack);
  let table: TestTable | undefined;
  afterEach(async () => {
    await table?.drop();
    table = undefined;
  });
  afterAll(() => doc.destroy());
  const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table!.name, Item }));
  const reacted = { ...x1, reactions: { '👍': new Set([A, B]), '🎉': new Set([B]) }, reaction_version: 3 };
  const receipt = receiptItem({
    groupUuid: G,
    userUuid: A,
    readKey: x1.sk,
    messageUuid: x1.message_uuid,
    at: x1.created_at,
  });
  async function consistentTable() {
    table = await createTestTable(stack, 'verify-reactions');
    const items = [
      ...consistent.filter((i) => i !== x1),
      reacted,
      receipt,
      settingsItem(B, { read_receipts: false }, x1.created_at),
    ];
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.name]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  const found = async () => (await verifyTable(doc, table!.name)).violations;
  const kinds = async () => (await found()).map((v) => v.kind).sort();

  it('finds nothing wrong with reactions, a read position and a setting as the services write them', async () => {
    await consistentTable();
    expect(await found()).toEqual([]);
  });

  it('reaction_count_mismatch: a count that is not its members', async () => {
    await consistentTable();
    await put({ ...reacted, reactions: { '👍': [A, A, B] } });
    expect(await kinds()).toEqual(['reaction_count_mismatch']);
    expect((await found())[0]?.detail).toMatch(/counts 3, from 2 member/);
  });

  it('reaction_on_tombstone, reaction_by_non_recipient, reaction_emoji_invalid, reactions_too_many', async () => {
    await consistentTable();
    await put({ ...x3, reactions: { '👍': new Set([B]) } });
    await put({
      ...reacted,
      reactions: { '👍': new Set(['00000000-0000-4000-8000-0000000000ee']), no: new Set([A]) },
    });
    expect(await kinds()).toEqual([
      'reaction_by_non_recipient',
      'reaction_emoji_invalid',
      'reaction_on_tombstone',
    ]);
    const many = Object.fromEntries(
      [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩'].map((e) => [e, new Set([A])]),
    );
    await put({ ...reacted, reactions: many });
    expect(await kinds()).toEqual(['reaction_on_tombstone', 'reactions_too_many']);
  });

  it('receipt_dangling and receipt_ahead_of_read', async () => {
    await consistentTable();
    await put({ ...receipt, read_key: x2.sk, read_message_uuid: x2.message_uuid });
    expect(await kinds()).toEqual(['receipt_ahead_of_read']);
    await put({ ...receipt, read_key: '2026-11-25T10:09:00.000Z#nope' });
    expect(await kinds()).toEqual(['receipt_ahead_of_read', 'receipt_dangling']);
  });
});
