import { keys, messageItem } from '@cruddur/ddb';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import {
  buildAdvanceInbox,
  buildAfterDelete,
  buildCreateDirectInbox,
  buildEditPreview,
  buildSetUnread,
  buildUnreadQuery,
  choosePreview,
  type PreviewCandidate,
} from './inbox-requests.ts';

const { a, b, group: g } = SAMPLE;
const sent = sampleMessage();
const message = messageItem(sent);

describe('inbox request builders', () => {
  it('moves a recipient forward only, counting the message unless already read', () => {
    const input = buildAdvanceInbox({ table: 't', owner: b, message, unreadIncrement: 1 });
    expect(input.Key).toEqual(keys.inbox(b, g));
    expect(input.ConditionExpression).toBe(
      '(attribute_exists(pk) AND last_message_key < :behind) AND (attribute_not_exists(last_read_key) OR last_read_key < :behind)',
    );
    expect(input.UpdateExpression).toContain('unread_count = if_not_exists(unread_count, :zero) + :inc');
    expect(input.UpdateExpression).toContain('other_user_uuid = if_not_exists(other_user_uuid, :other)');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':key': message.sk, ':other': a, ':sender': a });
  });
  it('shows the new head as its preview, as the record has it', () => {
    const input = buildAdvanceInbox({ table: 't', owner: b, message, unreadIncrement: 1 });
    expect(input.UpdateExpression).toMatch(
      / REMOVE preview_key, last_message_deleted, last_message_edit_version$/,
    );
    const edited = buildAdvanceInbox({
      table: 't',
      owner: b,
      message: { ...message, edit_version: 2 },
      unreadIncrement: 0,
    });
    expect(edited.UpdateExpression).toContain('last_message_edit_version = :version');
    expect(edited.ExpressionAttributeValues).toMatchObject({ ':version': 2 });
  });
  it('leaves the sender count alone', () => {
    const input = buildAdvanceInbox({ table: 't', owner: a, message, unreadIncrement: 0 });
    expect(input.UpdateExpression).toContain('unread_count = if_not_exists(unread_count, :zero)');
    expect(input.UpdateExpression).not.toContain(':inc');
    expect(input.ConditionExpression).toBe('attribute_exists(pk) AND last_message_key < :behind');
  });
  it('creates a missing direct row only while its owner is not an erased account', () => {
    const input = buildCreateDirectInbox({ table: 't', owner: b, message, unreadIncrement: 1 });
    const [row, profile] = input.TransactItems ?? [];
    expect(row?.Update).toMatchObject({
      Key: keys.inbox(b, g),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(row?.Update?.UpdateExpression).toContain(
      'unread_count = if_not_exists(unread_count, :zero) + :inc',
    );
    // Every value the update names is used: DynamoDB refuses unused ones.
    expect(Object.keys(row?.Update?.ExpressionAttributeValues ?? {})).not.toContain(':behind');
    expect(profile?.ConditionCheck).toMatchObject({
      Key: keys.user(b),
      ConditionExpression: 'attribute_not_exists(deleted)',
    });
    expect(buildCreateDirectInbox.roles).toEqual(['row', 'owner_profile']);
  });
  it('recounts only against the head and read marker it saw', () => {
    expect(
      buildSetUnread({
        table: 't',
        owner: b,
        groupUuid: g,
        unreadCount: 3,
        headKey: 'h',
        readKey: undefined,
      }),
    ).toMatchObject({
      ConditionExpression: 'last_message_key = :head AND attribute_not_exists(last_read_key)',
      ExpressionAttributeValues: { ':n': 3, ':head': 'h' },
    });
    expect(
      buildSetUnread({ table: 't', owner: b, groupUuid: g, unreadCount: 0, headKey: 'h', readKey: 'r' })
        .ConditionExpression,
    ).toBe('last_message_key = :head AND last_read_key = :read');
    expect(buildUnreadQuery('t', g, undefined, 'h').ExpressionAttributeValues).toEqual({
      ':pk': keys.messagePartition(g),
      ':low': ' ',
      ':high': 'h',
    });
  });
});

describe('previews of messages that change', () => {
  const candidate = (sk: string, over: Partial<PreviewCandidate> = {}): PreviewCandidate => ({
    sk,
    message_uuid: message.message_uuid,
    sender_uuid: a,
    members: [a, b],
    message: `text ${sk}`,
    created_at: message.created_at,
    ...over,
  });

  it('puts an edit only into a preview showing that message at an older version', () => {
    const input = buildEditPreview('t', b, { ...message, message: 'fixed', edit_version: 3 });
    expect(input.ConditionExpression).toBe(
      'attribute_exists(pk) AND (preview_key = :shown OR (attribute_not_exists(preview_key) AND last_message_key = :shown)) AND (attribute_not_exists(last_message_edit_version) OR last_message_edit_version < :version)',
    );
    expect(input.ExpressionAttributeValues).toEqual({
      ':shown': message.sk,
      ':text': 'fixed',
      ':version': 3,
    });
  });

  it('falls back to the newest message sent to the owner that is not deleted', () => {
    const list = [
      candidate('5', { deleted: true, message: undefined }),
      candidate('4', { members: [a, 'c'] }),
      candidate('3'),
      candidate('2'),
    ];
    expect(choosePreview(list, b, '6', false)).toEqual({ message: list[2], deleted: false });
    expect(choosePreview(list.slice(0, 2), b, '6', false)).toBe('more');
    expect(choosePreview(list.slice(0, 2), b, '6', true)).toEqual({ message: list[0], deleted: true });
    expect(choosePreview([candidate('6')], b, '6', true)).toEqual({ message: candidate('6'), deleted: true });
    expect(choosePreview([], b, '6', true)).toBeUndefined();
  });

  it('writes a fallback only on the row as read, and only while the message fallen back to is as read', () => {
    const input = buildAfterDelete({
      table: 't',
      owner: b,
      groupUuid: g,
      headKey: 'h',
      readKey: 'r',
      shownKey: 'h',
      fallback: { message: candidate('p', { edit_version: 1 }), deleted: false },
      unreadCount: 2,
    });
    const [update, check] = input.TransactItems!;
    expect(update?.Update?.ConditionExpression).toBe(
      'last_message_key = :head AND (preview_key = :shown OR (attribute_not_exists(preview_key) AND last_message_key = :shown)) AND last_read_key = :read',
    );
    expect(update?.Update?.UpdateExpression).toContain('preview_key = :preview');
    expect(update?.Update?.UpdateExpression).toContain('unread_count = :n');
    expect(update?.Update?.UpdateExpression).toContain('REMOVE last_message_deleted');
    expect(check?.ConditionCheck).toMatchObject({
      Key: { pk: keys.messagePartition(g), sk: 'p' },
      ConditionExpression:
        'attribute_exists(pk) AND attribute_not_exists(deleted) AND edit_version = :version',
    });
    const none = buildAfterDelete({
      table: 't',
      owner: b,
      groupUuid: g,
      headKey: 'h',
      readKey: undefined,
      shownKey: 'h',
      fallback: { message: candidate('h', { deleted: true }), deleted: true },
    });
    expect(none.TransactItems).toHaveLength(1);
    expect(none.TransactItems?.[0]?.Update?.UpdateExpression).toContain('last_message_deleted = :true');
    expect(none.TransactItems?.[0]?.Update?.UpdateExpression).toContain('REMOVE preview_key');
    expect(none.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':text': '' });
  });
});
