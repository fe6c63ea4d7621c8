import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { keys } from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import { buildDeadLetter } from './dead-letter.ts';
import { deterministicEventId, inboxUpdatedEvent, messageCreatedEvent, parseInboxRow } from './events.ts';
import { buildAdvanceInbox, buildSetUnread, buildUnreadQuery } from './inbox-requests.ts';
import { buildCheckpoint, buildReleaseLease, buildTakeLease, type ShardLease } from './lease-store.ts';
import { classifyRecord, type MessageItem } from './message-record.ts';
import { compareSequenceNumbers, type StreamRecord } from './stream-record.ts';

const [a, b, g, m] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const at = '2026-05-01T10:00:00.000Z';
const item = {
  ...keys.message(g, at, m),
  type: 'message',
  message_uuid: m,
  message_group_uuid: g,
  sender_uuid: a,
  message: 'hi',
  created_at: at,
  members: [a, b],
};
const record = (over: Partial<StreamRecord> = {}, image: Record<string, unknown> = item): StreamRecord => ({
  eventId: 'e1',
  eventName: 'INSERT',
  sequenceNumber: '100',
  approximateCreatedAtMs: undefined,
  keys: marshall({ pk: image.pk, sk: image.sk }),
  newImage: marshall(image),
  ...over,
});

describe('classifyRecord', () => {
  it('accepts a message INSERT, with members as a list or a set', () => {
    expect(classifyRecord(record())).toMatchObject({
      kind: 'message',
      message: { key: item.sk, members: [a, b] },
    });
    const asSet = record({}, { ...item, members: new Set([a, b]) });
    expect(classifyRecord(asSet)).toMatchObject({ kind: 'message' });
  });
  it('skips edits, deletes and other items (reference bug 6)', () => {
    expect(classifyRecord(record({ eventName: 'MODIFY' }))).toMatchObject({ kind: 'skip' });
    expect(classifyRecord(record({ eventName: 'REMOVE' }))).toMatchObject({ kind: 'skip' });
    const inbox = { ...keys.inbox(a, g), type: 'inbox' };
    expect(classifyRecord(record({}, inbox))).toMatchObject({ kind: 'skip', reason: 'not a message item' });
  });
  it('rejects malformed message items with a reason', () => {
    expect(classifyRecord(record({}, { ...item, members: 'x' }))).toMatchObject({
      kind: 'invalid',
      reason: /members/,
    });
    expect(classifyRecord(record({}, { ...item, sender_uuid: randomUUID() }))).toMatchObject({
      kind: 'invalid',
      reason: /sender/,
    });
    expect(classifyRecord(record({}, { ...item, sk: 'wrong' }))).toMatchObject({
      kind: 'invalid',
      reason: /sk/,
    });
    expect(classifyRecord(record({ newImage: undefined }))).toMatchObject({ kind: 'invalid' });
  });
});

const message: MessageItem = {
  message_uuid: m,
  message_group_uuid: g,
  sender_uuid: a,
  message: 'hi',
  created_at: at,
  members: [a, b],
  key: item.sk,
};

describe('inbox request builders', () => {
  it('moves a recipient forward only, counting the message unless already read', () => {
    const input = buildAdvanceInbox({ table: 't', owner: b, message, unreadIncrement: 1 });
    expect(input.Key).toEqual(keys.inbox(b, g));
    expect(input.ConditionExpression).toBe(
      '(attribute_not_exists(last_message_key) OR last_message_key < :behind) AND (attribute_not_exists(last_read_key) OR last_read_key < :behind)',
    );
    expect(input.UpdateExpression).toContain('unread_count = if_not_exists(unread_count, :zero) + :inc');
    expect(input.UpdateExpression).toContain('other_user_uuid = if_not_exists(other_user_uuid, :other)');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':key': item.sk, ':other': a, ':sender': a });
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

describe('events', () => {
  it('derives the same ids from the same facts and new ids from new state', () => {
    expect(deterministicEventId('x', 'y')).toBe(deterministicEventId('x', 'y'));
    expect(deterministicEventId('x', 'y')).not.toBe(deterministicEventId('xy'));
    expect(deterministicEventId('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(messageCreatedEvent(message, 't1').id).toBe(messageCreatedEvent(message, 't2').id);
    const row = parseInboxRow({
      owner_uuid: b,
      message_group_uuid: g,
      other_user_uuid: a,
      last_message_key: item.sk,
      last_message_uuid: m,
      last_message_text: 'hi',
      last_message_at: at,
      last_sender_uuid: a,
      unread_count: 1,
    })!;
    expect(inboxUpdatedEvent(row, 't').id).toBe(inboxUpdatedEvent(row, 'u').id);
    expect(inboxUpdatedEvent({ ...row, unread_count: 2 }, 't').id).not.toBe(inboxUpdatedEvent(row, 't').id);
    expect(parseInboxRow({ owner_uuid: b })).toBeUndefined();
  });
});

describe('lease request builders', () => {
  const held: ShardLease = {
    lease_key: 'l#s',
    kind: 'shard',
    stream_arn: 'arn',
    shard_id: 's',
    owner: 'old',
    lease_counter: 7,
    expires_at: 0,
    checkpoint: '5',
  };
  it('fences every write on the counter (and the owner for the holder)', () => {
    expect(buildTakeLease('t', held, 'me', 1000, 500)).toMatchObject({
      ConditionExpression: 'lease_counter = :expected',
      ExpressionAttributeValues: { ':expected': 7, ':next': 8, ':exp': 1500, ':switch': 1 },
    });
    expect(buildCheckpoint('t', 'l#s', 'me', 8, '9', undefined, 0)).toMatchObject({
      ConditionExpression: 'lease_counter = :counter AND #owner = :me',
      ExpressionAttributeValues: { ':cp': '9', ':counter': 8 },
    });
    expect(buildReleaseLease('t', 'l#s', 'me', 8).UpdateExpression).toBe(
      'REMOVE #owner SET lease_counter = :next, expires_at = :zero',
    );
  });
  it('compares sequence numbers as numbers', () => {
    expect(compareSequenceNumbers('9', '10')).toBeLessThan(0);
    expect(compareSequenceNumbers('000100', '000100')).toBe(0);
  });
  it('keeps the dead letter under the SQS limit by dropping a huge image', () => {
    const big = record({}, { ...item, message: 'x'.repeat(250_000) });
    const letter = buildDeadLetter(big, {
      reason: 'r',
      attempts: 3,
      retryable: true,
      workerId: 'w',
      source: {},
    });
    expect(letter).toMatchObject({
      new_image: null,
      new_image_truncated: true,
      attempts: 3,
      sequence_number: '100',
    });
    expect(JSON.stringify(letter).length).toBeLessThan(256 * 1024);
  });
});
