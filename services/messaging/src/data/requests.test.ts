import { INBOX_BY_ACTIVITY_INDEX, type NewIdempotency } from '@cruddur/ddb';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import {
  buildAppendMessage,
  buildBatchGetProfiles,
  buildDeleteMessage,
  buildEditMessage,
  buildEditMessageOnce,
  buildListConversations,
  buildListMessages,
  buildMarkRead,
  buildPutProfile,
  buildSetBlock,
  buildStartConversation,
  inboxCursorKey,
  requestHash,
} from './requests.ts';

const { a: A, b: B, group: G, message: M, at } = SAMPLE;
const message = sampleMessage({ senderUuid: B });
const idem: NewIdempotency = {
  senderUuid: B,
  key: 'k1',
  requestHash: 'h',
  createdConversation: true,
  createdAt: at,
  expiresAt: 1,
};

describe('buildStartConversation', () => {
  const { input, roles } = buildStartConversation('t', { message, recipientUuid: A, idempotency: idem });
  const puts = input.TransactItems!.filter((i) => i.Put).map((i) => i.Put!);

  it('names the role of every item, in the order DynamoDB reports cancellation reasons', () => {
    expect(roles).toEqual([
      'pair',
      'conversation',
      'inbox',
      'inbox',
      'message',
      'idempotency',
      'relations',
      'recipient',
    ]);
    expect(buildStartConversation('t', { message, recipientUuid: A }).roles).toEqual([
      'pair',
      'conversation',
      'inbox',
      'inbox',
      'message',
      'relations',
      'recipient',
    ]);
    // Neither blocks the other: checked on the starter's relations item in the same transaction.
    expect(input.TransactItems!.at(-2)?.ConditionCheck).toMatchObject({
      Key: { pk: `REL#${B}`, sk: 'REL' },
      ExpressionAttributeValues: { ':u0': A },
    });
  });

  it('writes pair lock, conversation, both inbox rows, message and idempotency record, each only if new', () => {
    expect(puts.map((p) => p.Item?.type)).toEqual([
      'pair',
      'conversation',
      'inbox',
      'inbox',
      'message',
      'idempotency',
    ]);
    expect(
      puts.every((p) => p.ConditionExpression === 'attribute_not_exists(pk)' && p.TableName === 't'),
    ).toBe(true);
    expect(puts[0]?.Item).toMatchObject({ pk: `PAIR#${A}#${B}`, sk: 'PAIR', message_group_uuid: G });
    expect(puts[1]?.Item).toMatchObject({ pk: `CONV#${G}`, sk: 'META', members: [A, B] });
  });

  it('gives the sender 0 unread and the recipient 1, both pointing at the first message', () => {
    const sk = `${at}#${M}`;
    expect(puts[2]?.Item).toMatchObject({
      pk: `GRP#${B}`,
      sk: G,
      other_user_uuid: A,
      unread_count: 0,
      last_read_key: sk,
    });
    // No read mark for the recipient: by the stream consumer's rule, every message from B is unread.
    expect(puts[3]?.Item).not.toHaveProperty('last_read_key');
    expect(puts[3]?.Item).toMatchObject({
      pk: `GRP#${A}`,
      other_user_uuid: B,
      unread_count: 1,
      last_message_key: sk,
      last_message_uuid: M,
      last_message_text: 'hi',
      last_message_at: at,
      last_sender_uuid: B,
    });
    expect(puts[4]?.Item).toMatchObject({ pk: `MSG#${G}`, sk, sender_uuid: B, members: [A, B] });
    expect(puts[5]?.Item).toMatchObject({ pk: `IDEM#${B}#k1`, message_sk: sk, message_group_uuid: G });
  });

  it('leaves the idempotency record out when no key was given', () => {
    expect(buildStartConversation('t', { message, recipientUuid: A }).input.TransactItems).toHaveLength(7);
  });
});

const direct = { notBlockedBy: [A], bothWays: true };

describe('buildAppendMessage', () => {
  it('checks membership on the conversation in the same transaction as the put', () => {
    const items = buildAppendMessage('t', { message, idempotency: idem, relations: direct }).input
      .TransactItems!;
    expect(items[0]?.ConditionCheck).toMatchObject({
      Key: { pk: `CONV#${G}`, sk: 'META' },
      ConditionExpression: 'contains(members, :me)',
      ExpressionAttributeValues: { ':me': B },
    });
    expect(items[1]?.Put?.Item?.type).toBe('message');
    expect(items[2]?.Put?.Item?.type).toBe('idempotency');
    expect(items.some((i) => i.Put?.Item?.type === 'inbox')).toBe(false);
  });
  it('names the role of every item, with or without an idempotency record', () => {
    expect(buildAppendMessage('t', { message, idempotency: idem, relations: direct }).roles).toEqual([
      'membership',
      'message',
      'idempotency',
      'relations',
    ]);
    expect(buildAppendMessage('t', { message, relations: direct }).roles).toEqual([
      'membership',
      'message',
      'relations',
    ]);
  });
  it('refuses a direct message when either of the two blocks the other', () => {
    const items = buildAppendMessage('t', { message, relations: direct }).input.TransactItems!;
    expect(items.at(-1)?.ConditionCheck).toMatchObject({
      Key: { pk: `REL#${B}`, sk: 'REL' },
      ConditionExpression:
        'NOT contains(blocked_by, :u0) AND NOT contains(declined_by, :u0) AND NOT contains(blocks, :u0)',
      ExpressionAttributeValues: { ':u0': A },
    });
  });
  it('makes a group message conditional on the relations version its hidden_from was read at', () => {
    const first = buildAppendMessage('t', { message, relations: { version: undefined } }).input
      .TransactItems!;
    expect(first.at(-1)?.ConditionCheck?.ConditionExpression).toBe('attribute_not_exists(version)');
    const later = buildAppendMessage('t', { message, relations: { version: 3 } }).input.TransactItems!;
    expect(later.at(-1)?.ConditionCheck).toMatchObject({
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': 3 },
    });
  });
});

describe('buildSetBlock', () => {
  it('updates both sides in one transaction, with idempotent set operations', () => {
    const on = buildSetBlock('t', { blockerUuid: A, blockedUuid: B, on: true }).TransactItems!;
    expect(on.map((i) => i.Update?.Key)).toEqual([
      { pk: `REL#${A}`, sk: 'REL' },
      { pk: `REL#${B}`, sk: 'REL' },
    ]);
    expect(on[0]?.Update?.UpdateExpression).toContain('ADD blocks :other, version :one');
    expect(on[1]?.Update?.UpdateExpression).toContain('ADD blocked_by :other, version :one');
    const off = buildSetBlock('t', { blockerUuid: A, blockedUuid: B, on: false }).TransactItems!;
    expect(off[0]?.Update?.UpdateExpression).toContain('DELETE blocks :other ADD version :one');
  });
});

describe('reads and small writes', () => {
  it('marks read only an existing row of the caller', () => {
    expect(buildMarkRead('t', A, G)).toMatchObject({
      Key: { pk: `GRP#${A}`, sk: G },
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'SET unread_count = :zero, last_read_key = last_message_key',
    });
  });
  it('lists newest first with one look-ahead item and no date filter', () => {
    const q = buildListConversations('t', A, 20, { pk: `GRP#${A}`, sk: G, last_message_key: 'x' });
    expect(q).toMatchObject({ IndexName: INBOX_BY_ACTIVITY_INDEX, ScanIndexForward: false, Limit: 21 });
    expect(q.KeyConditionExpression).toBe('pk = :pk');
    expect(buildListMessages('t', G, 5)).toMatchObject({ Limit: 6, ScanIndexForward: false });
    expect(buildListMessages('t', G, 5).ExclusiveStartKey).toBeUndefined();
  });
  it('builds cursors that match the LSI key', () => {
    expect(inboxCursorKey({ pk: 'GRP#a', sk: 'g', last_message_key: 'k' })).toEqual({
      pk: 'GRP#a',
      sk: 'g',
      last_message_key: 'k',
    });
  });
  it('batches profile reads by 100 distinct users', () => {
    const uuids = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const batches = buildBatchGetProfiles('t', [...uuids, ...uuids]);
    expect(batches.map((b) => b.RequestItems?.t?.Keys?.length)).toEqual([100, 50]);
  });
  it('puts a profile only over an older version', () => {
    const put = buildPutProfile('t', { uuid: A, handle: 'a', display_name: 'A', bio: null, version: 4 });
    expect(put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk) OR version < :v',
      ExpressionAttributeValues: { ':v': 4 },
      Item: { pk: `USER#${A}`, sk: 'PROFILE', type: 'user', version: 4 },
    });
  });
  it('hashes what a request asked for, so a changed body is detected', () => {
    expect(requestHash(['group', G, 'a'])).toBe(requestHash(['group', G, 'a']));
    expect(requestHash(['group', G, 'a'])).not.toBe(requestHash(['group', G, 'b']));
    expect(requestHash(['a', 'b|c'])).not.toBe(requestHash(['a|b', 'c']));
  });
});

describe('message changes', () => {
  const change = { groupUuid: G, sk: `${at}#${M}`, senderUuid: A, seenVersion: 0, at };
  const edit = { ...change, text: 'fixed', notBefore: '2026-11-25T09:45:00.000Z' };

  it('edits in place, only for the sender, a text message not deleted, at the version read, within the window', () => {
    const input = buildEditMessage('t', edit);
    expect(input.Key).toEqual({ pk: `MSG#${G}`, sk: `${at}#${M}` });
    expect(input.UpdateExpression).toBe('SET #message = :text, edited_at = :at, edit_version = :next');
    expect(input.ConditionExpression).toBe(
      'attribute_exists(pk) AND sender_uuid = :me AND attribute_not_exists(deleted) AND ' +
        '(attribute_not_exists(#kind) OR #kind <> :system) AND attribute_not_exists(edit_version) AND ' +
        'created_at >= :notBefore',
    );
    expect(input.ExpressionAttributeValues).toMatchObject({ ':me': A, ':next': 1, ':text': 'fixed' });
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const again = buildEditMessage('t', { ...edit, seenVersion: 3 });
    expect(again.ConditionExpression).toContain('edit_version = :seen');
    expect(again.ExpressionAttributeValues).toMatchObject({ ':seen': 3, ':next': 4 });
  });

  it('writes the idempotency record in the same transaction as the edit', () => {
    const { input, roles } = buildEditMessageOnce('t', edit, { ...idem, senderUuid: A });
    expect(roles).toEqual(['message', 'idempotency']);
    expect(input.TransactItems?.[0]?.Update).not.toHaveProperty('ReturnValues');
    expect(input.TransactItems?.[1]?.Put?.Item).toMatchObject({ message_sk: `${at}#${M}` });
  });

  it('deletes by removing the text and marking a tombstone, on the same conditions but the window', () => {
    const input = buildDeleteMessage('t', { ...change, seenVersion: 1 });
    expect(input.UpdateExpression).toBe(
      'SET deleted = :true, deleted_at = :at, edit_version = :next REMOVE #message, reactions',
    );
    expect(input.ConditionExpression).toContain('edit_version = :seen');
    expect(input.ConditionExpression).toContain('attribute_not_exists(deleted)');
    expect(input.ConditionExpression).not.toContain('created_at');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':seen': 1, ':next': 2 });
  });
});
