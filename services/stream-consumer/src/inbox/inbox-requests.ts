import type { GetCommandInput, QueryCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  INBOX_ITEM_TYPE,
  isGroupMessage,
  keys,
  MEMBER_SAMPLE_SIZE,
  type MessageItem,
  messageItemFields,
} from '@cruddur/ddb';

/**
 * Pure request builders for the inbox rows (`GRP#<owner>` / `<group>`), kept apart from the code that sends them.
 *
 * The unread rule. A recipient's `unread_count` is the number of messages from others in the conversation whose key
 * is above the row's `last_read_key`. It is kept exact under replays and out-of-order delivery like this:
 * - A message that moves the row forward adds 1 for a recipient, in the same conditional update, and only when
 *   it is newer than `last_read_key`. A replay finds the row already at (or past) the message and adds nothing.
 * - A message older than the row's head (two senders racing, or two shards of one conversation) cannot move the
 *   row, so it would be lost from the count. Instead the count is recomputed from the messages themselves
 *   (a strongly consistent query of the conversation between `last_read_key` and the head) and written only if
 *   the head and `last_read_key` are still what the query saw. Setting a computed value is idempotent, so replays
 *   of old records are harmless too; they only cost a query.
 * - In a group, only messages whose `members` include the owner count, and none below the row's `joined_key`
 *   (a member counts from the message at which they joined). Group rows are only moved, never created here: the
 *   transactions that make someone a member write their row, and a leave deletes it, so a late record of an
 *   older message cannot bring a leaver's row back.
 */

export interface AdvanceInboxInput {
  table: string;
  owner: string;
  message: MessageItem;
  /** Added to unread_count: 1 for a recipient, 0 for the sender, n when n messages of a batch are applied at once. */
  unreadIncrement: number;
  /**
   * The row must be below this key: the message's own key, or (applying several messages of one conversation at
   * once) the oldest of them, so none of them can already have been counted.
   */
  behindKey?: string;
}

/** Moves one member's row to `message`, creating it when missing; fails the condition when the row is not behind. */
export function buildAdvanceInbox({
  table,
  owner,
  message,
  unreadIncrement,
  behindKey = message.sk,
}: AdvanceInboxInput): UpdateCommandInput {
  const other = message.members.find((m) => m !== owner);
  const sets = [
    '#type = if_not_exists(#type, :type)',
    'owner_uuid = :owner',
    'message_group_uuid = :group',
    'last_message_key = :key',
    'last_message_uuid = :uuid',
    'last_message_text = :text',
    'last_message_at = :at',
    'last_sender_uuid = :sender',
    unreadIncrement > 0
      ? 'unread_count = if_not_exists(unread_count, :zero) + :inc'
      : 'unread_count = if_not_exists(unread_count, :zero)',
  ];
  const values: Record<string, unknown> = {
    ':type': INBOX_ITEM_TYPE,
    ':owner': owner,
    ':group': message.message_group_uuid,
    ':key': message.sk,
    ':uuid': message.message_uuid,
    ':text': message.message,
    ':at': message.created_at,
    ':sender': message.sender_uuid,
    ':zero': 0,
  };
  if (unreadIncrement > 0) values[':inc'] = unreadIncrement;
  const group = isGroupMessage(message);
  let remove = '';
  if (group) {
    // The list entry follows the group's state as of the row's head message.
    sets.push('#kind = :kind', 'member_count = :count', 'member_sample = :sample');
    values[':kind'] = 'group';
    values[':count'] = message.members.length;
    values[':sample'] = message.members.slice(0, MEMBER_SAMPLE_SIZE);
    if (message.title !== undefined) {
      sets.push('title = :title');
      values[':title'] = message.title;
    } else remove = ' REMOVE title';
  } else if (other !== undefined) {
    // The start transaction names the other user; a row created here (it was missing) learns it from members.
    sets.push('other_user_uuid = if_not_exists(other_user_uuid, :other)');
    values[':other'] = other;
  }
  // Only forward: a replay, a duplicate or an older message arriving late leaves the row alone. A group row
  // must exist: see the unread rule above.
  let condition = group
    ? 'attribute_exists(pk) AND last_message_key < :behind'
    : 'attribute_not_exists(last_message_key) OR last_message_key < :behind';
  values[':behind'] = behindKey;
  // A message the owner has already read (their read marker is at or past it) must not count as unread.
  if (unreadIncrement > 0)
    condition = `(${condition}) AND (attribute_not_exists(last_read_key) OR last_read_key < :behind)`;
  return {
    TableName: table,
    Key: keys.inbox(owner, message.message_group_uuid),
    UpdateExpression: `SET ${sets.join(', ')}${remove}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: group ? { '#type': 'type', '#kind': 'kind' } : { '#type': 'type' },
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}

export function buildGetInbox(table: string, owner: string, groupUuid: string): GetCommandInput {
  return { TableName: table, Key: keys.inbox(owner, groupUuid), ConsistentRead: true };
}

/** What buildUnreadQuery projects of each message: its key, sender and who it was sent to. */
export const unreadProjection = messageItemFields.pick({ sk: true, sender_uuid: true, members: true });

/**
 * One page of the conversation's messages from the lower bound up to the row's head (keys, senders, members):
 * the bound is the read marker or the owner's join, whichever is later.
 */
export function buildUnreadQuery(
  table: string,
  groupUuid: string,
  lowKey: string | undefined,
  headKey: string,
  startKey?: Record<string, unknown>,
): QueryCommandInput {
  // BETWEEN is inclusive; the message at the read marker itself is dropped by the caller.
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
    ExpressionAttributeValues: {
      ':pk': keys.messagePartition(groupUuid),
      ':low': lowKey ?? ' ',
      ':high': headKey,
    },
    ProjectionExpression: 'sk, sender_uuid, members',
    ConsistentRead: true,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

export interface RecountInput {
  table: string;
  owner: string;
  groupUuid: string;
  unreadCount: number;
  /** The head and read marker the count was computed for: the write is void if either moved meanwhile. */
  headKey: string;
  readKey: string | undefined;
}

export function buildSetUnread({
  table,
  owner,
  groupUuid,
  unreadCount,
  headKey,
  readKey,
}: RecountInput): UpdateCommandInput {
  const values: Record<string, unknown> = { ':n': unreadCount, ':head': headKey };
  let condition = 'last_message_key = :head AND ';
  if (readKey === undefined) condition += 'attribute_not_exists(last_read_key)';
  else {
    condition += 'last_read_key = :read';
    values[':read'] = readKey;
  }
  return {
    TableName: table,
    Key: keys.inbox(owner, groupUuid),
    UpdateExpression: 'SET unread_count = :n',
    ConditionExpression: condition,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}
