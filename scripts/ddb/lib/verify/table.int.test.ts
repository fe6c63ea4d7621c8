import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  conversationItem,
  idempotencyItem,
  inboxItem,
  keys,
  messageItem,
  type NewMessage,
  pairItem,
  sortedMembers,
  userItem,
} from '@cruddur/ddb';
import { createTestTable, documentClient, type TestTable, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTable } from './table.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const G = '00000000-0000-4000-8000-0000000000aa';
const M = '00000000-0000-4000-8000-0000000000f1';
const at = '2026-11-25T10:00:00.000Z';
const members = sortedMembers(A, B);
const first: NewMessage = { groupUuid: G, messageUuid: M, senderUuid: A, text: 'hi', createdAt: at, members };
const firstKey = messageItem(first).sk;

/** A conversation exactly as the shared builders write it (what messaging's start transaction puts). */
const built = [
  pairItem({ userA: A, userB: B, groupUuid: G, createdAt: at }),
  conversationItem({ groupUuid: G, members, createdAt: at }),
  messageItem(first),
  inboxItem(A, B, first, 0, firstKey),
  inboxItem(B, A, first, 1),
  userItem({ uuid: A, handle: 'a', display_name: 'A', bio: null, version: 1 }),
  userItem({ uuid: B, handle: 'b', display_name: 'B', bio: null, version: 0 }),
  idempotencyItem(
    {
      senderUuid: A,
      key: 'k',
      requestHash: 'h',
      createdConversation: true,
      createdAt: at,
      expiresAt: 4_102_444_800,
    },
    G,
    firstKey,
  ),
];

describe('verifyTable on items from the shared builders', () => {
  const stack = testStack();
  const doc = documentClient(stack);
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable(stack, 'verify-built');
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.name]: built.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  });
  afterAll(async () => {
    await table?.drop();
    doc.destroy();
  });

  it('finds nothing wrong with a conversation the builders wrote', async () => {
    const result = await verifyTable(doc, table.name);
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({ conversations: 1, messages: 1, inboxRows: 2, profiles: 2 });
  });

  it('reports an item its schema refuses as malformed, with its key and why, and keeps the kinds of its own', async () => {
    await doc.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...inboxItem(B, A, first, 1), owner_uuid: 'not-a-uuid' },
      }),
    );
    await doc.send(
      new PutCommand({ TableName: table.name, Item: { ...inboxItem(A, B, first, 0), unread_count: -1 } }),
    );
    const result = await verifyTable(doc, table.name);
    expect(result.violations.map((v) => v.kind).sort()).toEqual([
      'inbox_row_missing',
      'inbox_unread_invalid',
      'item_malformed',
    ]);
    expect(result.violations.find((v) => v.kind === 'item_malformed')).toMatchObject({
      pk: keys.inboxPartition(B),
      sk: G,
      detail: expect.stringMatching(/owner_uuid/),
    });
  });
});
