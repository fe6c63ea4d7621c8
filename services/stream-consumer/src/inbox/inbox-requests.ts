import type {
  GetCommandInput,
  QueryCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  INBOX_ITEM_TYPE,
  isGroupMessage,
  isSentTo,
  keys,
  MEMBER_SAMPLE_SIZE,
  type MessageItem,
  messageItemFields,
  messageText,
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
 * - In a group, only messages sent to the owner count (`members` include them, `hidden_from` does not), and none below the row's `joined_key`
 *   (a member counts from the message at which they joined). Group rows are only moved, never created here: the
 *   transactions that make someone a member write their row, and a leave deletes it, so a late record of an
 *   older message cannot bring a leaver's row back.
 * - A direct row is moved like a group row (it must exist); a missing one is created apart, by
 *   `buildCreateDirectInbox`, only while its owner's profile is not a deleted account's tombstone: the erasure of an
 *   account removes its rows after writing that tombstone, so a message committed just before the erasure and
 *   applied after it cannot bring the deleted user's row back.
 * - Tombstones (deleted messages) never count. A delete of a message in the unread window recounts, like a late
 *   message: so a deleted unread message leaves the count exact however its records arrive.
 *
 * The preview rule. `last_message_key` (the head) is the newest message sent to the owner, deleted or not, and only
 * moves forward (so the list order never depends on a delete, and a late or replayed record of a deleted message
 * cannot bring its text back). The preview (`last_message_*`, `last_sender_uuid`) is the newest message sent to the
 * owner at or below the head that is not deleted, as its newest edit reads; `preview_key` names it when it is not
 * the head. A new message sets both. An edit sets the preview's text only where the preview shows that message at
 * an older `last_message_edit_version`, so replays and out-of-order edits never go back. A delete of the message a
 * preview shows falls back to the next newest message sent to the owner that is not deleted (or, when none is left,
 * the newest tombstone, with no text and `last_message_deleted`), written only if the head, the read marker and the
 * preview did not move meanwhile and the message fallen back to is still as read (a transaction's ConditionCheck).
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

/**
 * Moves one member's row to `message`; fails the condition when the row is not behind or is missing (a missing
 * direct row is `buildCreateDirectInbox`'s).
 */
export function buildAdvanceInbox(input: AdvanceInboxInput): UpdateCommandInput {
  const update = buildInboxMove(input);
  // Only forward: a replay, a duplicate or an older message arriving late leaves the row alone.
  update.ExpressionAttributeValues[':behind'] = input.behindKey ?? input.message.sk;
  const behind = 'attribute_exists(pk) AND last_message_key < :behind';
  // A message the owner has already read (their read marker is at or past it) must not count as unread.
  const condition =
    input.unreadIncrement > 0
      ? `(${behind}) AND (attribute_not_exists(last_read_key) OR last_read_key < :behind)`
      : behind;
  return { ...update, ConditionExpression: condition, ReturnValues: 'ALL_NEW' };
}

/**
 * Creates a missing direct row at `message`, in a transaction with a check that its owner's profile is not a deleted
 * account's tombstone (a missing profile passes: the replica may not have heard of the owner yet). Fails when the row
 * exists meanwhile (the move is then the way) or the owner's account is deleted; `roles` names each item's reason.
 */
export function buildCreateDirectInbox(input: AdvanceInboxInput): TransactWriteCommandInput {
  const update = buildInboxMove(input);
  return {
    TransactItems: [
      { Update: { ...update, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: input.table,
          Key: keys.user(input.owner),
          ConditionExpression: 'attribute_not_exists(deleted)',
        },
      },
    ],
  };
}
buildCreateDirectInbox.roles = ['row', 'owner_profile'] as const;

/** The row's new state at `message` (what a move and a creation both write), without its condition. */
function buildInboxMove({ table, owner, message, unreadIncrement }: AdvanceInboxInput): UpdateCommandInput & {
  UpdateExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
} {
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
    ':text': messageText(message),
    ':at': message.created_at,
    ':sender': message.sender_uuid,
    ':zero': 0,
  };
  if (unreadIncrement > 0) values[':inc'] = unreadIncrement;
  const group = isGroupMessage(message);
  // The head is also what the preview shows: as the record has it (a later MODIFY brings any edit).
  const removed = ['preview_key', 'last_message_deleted'];
  if (message.edit_version !== undefined) {
    sets.push('last_message_edit_version = :version');
    values[':version'] = message.edit_version;
  } else removed.push('last_message_edit_version');
  if (group) {
    // The list entry follows the group's state as of the row's head message.
    sets.push('#kind = :kind', 'member_count = :count', 'member_sample = :sample');
    values[':kind'] = 'group';
    values[':count'] = message.members.length;
    values[':sample'] = message.members.slice(0, MEMBER_SAMPLE_SIZE);
    if (message.title !== undefined) {
      sets.push('title = :title');
      values[':title'] = message.title;
    } else removed.push('title');
  } else if (other !== undefined) {
    // The start transaction names the other user; a row created here (it was missing) learns it from members.
    sets.push('other_user_uuid = if_not_exists(other_user_uuid, :other)');
    values[':other'] = other;
  }
  return {
    TableName: table,
    Key: keys.inbox(owner, message.message_group_uuid),
    UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removed.join(', ')}`,
    ExpressionAttributeNames: group ? { '#type': 'type', '#kind': 'kind' } : { '#type': 'type' },
    ExpressionAttributeValues: values,
  };
}

export function buildGetInbox(table: string, owner: string, groupUuid: string): GetCommandInput {
  return { TableName: table, Key: keys.inbox(owner, groupUuid), ConsistentRead: true };
}

/** What buildUnreadQuery projects of each message: its key, sender, who it was sent to, and whether it is deleted. */
export const unreadProjection = messageItemFields.pick({
  sk: true,
  sender_uuid: true,
  members: true,
  hidden_from: true,
  deleted: true,
});

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
    ProjectionExpression: 'sk, sender_uuid, members, hidden_from, deleted',
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

/** The condition that a row's preview shows the message with key `:shown` (rows without preview_key show their head). */
const PREVIEW_SHOWS =
  '(preview_key = :shown OR (attribute_not_exists(preview_key) AND last_message_key = :shown))';

/**
 * An edit of `message` into one member's preview: only where the preview shows that message, at an older version
 * (so a replay, a duplicate or an older edit arriving late changes nothing), and only on a row that exists.
 */
export function buildEditPreview(table: string, owner: string, message: MessageItem): UpdateCommandInput {
  return {
    TableName: table,
    Key: keys.inbox(owner, message.message_group_uuid),
    UpdateExpression: 'SET last_message_text = :text, last_message_edit_version = :version',
    ConditionExpression: `attribute_exists(pk) AND ${PREVIEW_SHOWS} AND (attribute_not_exists(last_message_edit_version) OR last_message_edit_version < :version)`,
    ExpressionAttributeValues: {
      ':shown': message.sk,
      ':text': messageText(message),
      ':version': message.edit_version ?? 0,
    },
    ReturnValues: 'ALL_NEW',
  };
}

/** What buildPreviewQuery projects: what a preview shows of a message, and what decides whether it may. */
export const previewProjection = messageItemFields.pick({
  sk: true,
  message_uuid: true,
  sender_uuid: true,
  members: true,
  hidden_from: true,
  message: true,
  created_at: true,
  deleted: true,
  edit_version: true,
});
export type PreviewCandidate = ReturnType<typeof previewProjection.parse>;

/** One page of a conversation's messages from the row's head down to the owner's join, newest first. */
export function buildPreviewQuery(
  table: string,
  groupUuid: string,
  lowKey: string | undefined,
  headKey: string,
  startKey?: Record<string, unknown>,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
    ExpressionAttributeNames: { '#message': 'message' },
    ExpressionAttributeValues: {
      ':pk': keys.messagePartition(groupUuid),
      ':low': lowKey ?? ' ',
      ':high': headKey,
    },
    ProjectionExpression:
      'sk, message_uuid, sender_uuid, members, hidden_from, #message, created_at, deleted, edit_version',
    ScanIndexForward: false,
    // Usually the first message below a deleted one is the answer.
    Limit: 25,
    ConsistentRead: true,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/** What a preview falls back to after a delete: a message still there, or the newest tombstone when none is. */
export interface Fallback {
  message: PreviewCandidate;
  /** No message sent to the owner up to the head is left undeleted. */
  deleted: boolean;
}

/**
 * One row's change after a delete, written only if the row is as it was read: its head and read marker (a new
 * message or a read moves them) and its preview (another worker may have fallen back already). With a fallback to
 * a message that is not deleted, a ConditionCheck on that message too: if it was edited or deleted since it was
 * read, its own MODIFY record might already have been handled while this row still showed the deleted one.
 */
export function buildAfterDelete(input: {
  table: string;
  owner: string;
  groupUuid: string;
  headKey: string;
  readKey: string | undefined;
  /** The key the preview shows now (the deleted message's). */
  shownKey: string;
  fallback?: Fallback | undefined;
  unreadCount?: number | undefined;
}): TransactWriteCommandInput {
  const { table, owner, groupUuid, headKey, readKey, shownKey, fallback, unreadCount } = input;
  const values: Record<string, unknown> = { ':head': headKey, ':shown': shownKey };
  let condition = `last_message_key = :head AND ${PREVIEW_SHOWS} AND `;
  if (readKey === undefined) condition += 'attribute_not_exists(last_read_key)';
  else {
    condition += 'last_read_key = :read';
    values[':read'] = readKey;
  }
  const sets: string[] = [];
  const removed: string[] = [];
  if (unreadCount !== undefined) {
    sets.push('unread_count = :n');
    values[':n'] = unreadCount;
  }
  const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
  if (fallback) {
    const m = fallback.message;
    sets.push(
      'last_message_uuid = :uuid',
      'last_message_text = :text',
      'last_message_at = :at',
      'last_sender_uuid = :sender',
    );
    Object.assign(values, {
      ':uuid': m.message_uuid,
      ':text': fallback.deleted ? '' : (m.message ?? ''),
      ':at': m.created_at,
      ':sender': m.sender_uuid,
    });
    if (m.sk === headKey) removed.push('preview_key');
    else {
      sets.push('preview_key = :preview');
      values[':preview'] = m.sk;
    }
    if (m.edit_version !== undefined) {
      sets.push('last_message_edit_version = :version');
      values[':version'] = m.edit_version;
    } else removed.push('last_message_edit_version');
    if (fallback.deleted) sets.push('last_message_deleted = :true');
    else removed.push('last_message_deleted');
    if (fallback.deleted) values[':true'] = true;
    if (!fallback.deleted) {
      const checkValues: Record<string, unknown> = {};
      let check = 'attribute_exists(pk) AND attribute_not_exists(deleted) AND ';
      if (m.edit_version === undefined) check += 'attribute_not_exists(edit_version)';
      else {
        check += 'edit_version = :version';
        checkValues[':version'] = m.edit_version;
      }
      items.push({
        ConditionCheck: {
          TableName: table,
          Key: { pk: keys.messagePartition(groupUuid), sk: m.sk },
          ConditionExpression: check,
          ...(m.edit_version === undefined ? {} : { ExpressionAttributeValues: checkValues }),
        },
      });
    }
  }
  if (sets.length === 0) throw new Error('a change after a delete sets the preview, the count or both');
  items.unshift({
    Update: {
      TableName: table,
      Key: keys.inbox(owner, groupUuid),
      UpdateExpression: `SET ${sets.join(', ')}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  });
  return { TransactItems: items };
}

/**
 * The preview after `deletedKey` is deleted (or removed), from the candidates newest first: the first one sent to
 * the owner that is not deleted; else the newest one sent to the owner (a tombstone); else undefined, and the
 * caller shows the deleted message itself as a tombstone. `complete` says the candidates reach the owner's floor:
 * until then a tombstone is not yet the answer.
 */
export function choosePreview(
  candidates: readonly PreviewCandidate[],
  owner: string,
  deletedKey: string,
  complete: boolean,
): Fallback | 'more' | undefined {
  let newestTombstone: PreviewCandidate | undefined;
  for (const m of candidates) {
    if (!isSentTo(m, owner)) continue;
    if (m.deleted || m.sk === deletedKey) {
      newestTombstone ??= m;
      continue;
    }
    return { message: m, deleted: false };
  }
  if (!complete) return 'more';
  return newestTombstone ? { message: newestTombstone, deleted: true } : undefined;
}
