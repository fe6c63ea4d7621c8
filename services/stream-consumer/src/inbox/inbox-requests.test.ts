import { keys, messageItem } from '@cruddur/ddb';
import { SAMPLE, sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { buildAdvanceInbox, buildSetUnread, buildUnreadQuery } from './inbox-requests.ts';

const { a, b, group: g } = SAMPLE;
const sent = sampleMessage();
const message = messageItem(sent);

describe('inbox request builders', () => {
  it('moves a recipient forward only, counting the message unless already read', () => {
    const input = buildAdvanceInbox({ table: 't', owner: b, message, unreadIncrement: 1 });
    expect(input.Key).toEqual(keys.inbox(b, g));
    expect(input.ConditionExpression).toBe(
      '(attribute_not_exists(last_message_key) OR last_message_key < :behind) AND (attribute_not_exists(last_read_key) OR last_read_key < :behind)',
    );
    expect(input.UpdateExpression).toContain('unread_count = if_not_exists(unread_count, :zero) + :inc');
    expect(input.UpdateExpression).toContain('other_user_uuid = if_not_exists(other_user_uuid, :other)');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':key': message.sk, ':other': a, ':sender': a });
  });
  it('leaves the sender count alone', () => {
    const input = buildAdvanceInbox({ table: 't', owner: a, message, unreadIncrement: 0 });
    expect(input.UpdateExpression).toContain('unread_count = if_not_exists(unread_count, :zero)');
    expect(input.UpdateExpression).not.toContain(':inc');
    expect(input.ConditionExpression).toBe(
      'attribute_not_exists(last_message_key) OR last_message_key < :behind',
    );
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
