import { createHash } from 'node:crypto';
import type {
  BatchGetCommandInput,
  GetCommandInput,
  PutCommandInput,
  QueryCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { UserSnapshot } from '@cruddur/contracts';
import { INBOX_BY_ACTIVITY_INDEX, type Key, keys } from '@cruddur/ddb';
import type {
  ConversationItem,
  IdempotencyItem,
  InboxItem,
  MessageItem,
  PairItem,
  UserItem,
} from './items.ts';

/**
 * Pure request builders: every DynamoDB request this service sends is built here from plain input,
 * so conditions and key formats are unit-tested without a database (STYLE.md habit 8).
 */

export interface NewMessage {
  groupUuid: string;
  messageUuid: string;
  senderUuid: string;
  text: string;
  createdAt: string;
  /** Both members of the conversation. */
  members: readonly string[];
}

export interface NewIdempotency {
  senderUuid: string;
  key: string;
  requestHash: string;
  createdConversation: boolean;
  createdAt: string;
  expiresAt: number;
}

/** Idempotency keys are honoured for a day: long enough for any client retry, short enough to stay small. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** Members are stored sorted, so the item does not depend on who started the conversation. */
export function sortedMembers(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export function messageItem(m: NewMessage): MessageItem {
  return {
    ...keys.message(m.groupUuid, m.createdAt, m.messageUuid),
    type: 'message',
    message_uuid: m.messageUuid,
    message_group_uuid: m.groupUuid,
    sender_uuid: m.senderUuid,
    message: m.text,
    created_at: m.createdAt,
    members: [...m.members],
  };
}

/**
 * An inbox row pointing at `m`. `lastReadKey` follows the stream consumer's unread rule: `unread_count` is
 * the number of the other member's messages with a key above it, so a recount gives the same number.
 */
export function inboxItem(
  owner: string,
  other: string,
  m: NewMessage,
  unreadCount: number,
  lastReadKey?: string,
): InboxItem {
  const message = keys.message(m.groupUuid, m.createdAt, m.messageUuid);
  return {
    ...keys.inbox(owner, m.groupUuid),
    type: 'inbox',
    owner_uuid: owner,
    message_group_uuid: m.groupUuid,
    other_user_uuid: other,
    last_message_key: message.sk,
    last_message_uuid: m.messageUuid,
    last_message_text: m.text,
    last_message_at: m.createdAt,
    last_sender_uuid: m.senderUuid,
    unread_count: unreadCount,
    ...(lastReadKey ? { last_read_key: lastReadKey } : {}),
  };
}

export function idempotencyItem(i: NewIdempotency, groupUuid: string, messageSk: string): IdempotencyItem {
  return {
    ...keys.idempotency(i.senderUuid, i.key),
    type: 'idempotency',
    message_group_uuid: groupUuid,
    message_sk: messageSk,
    request_hash: i.requestHash,
    created_conversation: i.createdConversation,
    created_at: i.createdAt,
    expires_at: i.expiresAt,
  } as IdempotencyItem;
}

/** What an idempotent request asked for. The same key with a different hash is a client bug (409). */
export function requestHash(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

const NOT_EXISTS = 'attribute_not_exists(pk)';

/** Positions of the items in the start transaction, for reading its cancellation reasons. */
export const START_ITEMS = { pair: 0, conversation: 1, message: 4, idempotency: 5 } as const;

/**
 * Starting a conversation: one transaction, so it happens completely or not at all. The pair lock's
 * condition makes a second start between the same two users fail instead of creating a second group.
 */
export function buildStartConversation(
  table: string,
  input: { message: NewMessage; recipientUuid: string; idempotency?: NewIdempotency | undefined },
): TransactWriteCommandInput {
  const { message: m, recipientUuid } = input;
  const members = sortedMembers(m.senderUuid, recipientUuid);
  const start = { ...m, members };
  const pair: PairItem = {
    ...keys.pair(m.senderUuid, recipientUuid),
    type: 'pair',
    message_group_uuid: m.groupUuid,
    created_at: m.createdAt,
  } as PairItem;
  const conversation: ConversationItem = {
    ...keys.conversation(m.groupUuid),
    type: 'conversation',
    message_group_uuid: m.groupUuid,
    members,
    created_at: m.createdAt,
  } as ConversationItem;
  const msg = messageItem(start);
  const put = (Item: object) => ({ Put: { TableName: table, Item, ConditionExpression: NOT_EXISTS } });
  return {
    TransactItems: [
      put(pair),
      put(conversation),
      // The sender has read their own message; the recipient has one unread.
      put(inboxItem(m.senderUuid, recipientUuid, start, 0, msg.sk)),
      put(inboxItem(recipientUuid, m.senderUuid, start, 1)),
      put(msg),
      ...(input.idempotency ? [put(idempotencyItem(input.idempotency, m.groupUuid, msg.sk))] : []),
    ],
  };
}

export const APPEND_ITEMS = { membership: 0, message: 1, idempotency: 2 } as const;

/**
 * A message in an existing conversation: the sender must be a member (checked in the same transaction,
 * so a message can never land in a group its sender does not belong to). Inbox rows are left to the
 * stream consumer, which is their only writer after the start.
 */
export function buildAppendMessage(
  table: string,
  input: { message: NewMessage; idempotency?: NewIdempotency | undefined },
): TransactWriteCommandInput {
  const msg = messageItem(input.message);
  return {
    TransactItems: [
      {
        ConditionCheck: {
          TableName: table,
          Key: keys.conversation(input.message.groupUuid),
          ConditionExpression: 'contains(members, :me)',
          ExpressionAttributeValues: { ':me': input.message.senderUuid },
        },
      },
      { Put: { TableName: table, Item: msg, ConditionExpression: NOT_EXISTS } },
      ...(input.idempotency
        ? [
            {
              Put: {
                TableName: table,
                Item: idempotencyItem(input.idempotency, input.message.groupUuid, msg.sk),
                ConditionExpression: NOT_EXISTS,
              },
            },
          ]
        : []),
    ],
  };
}

/** Marks the caller's own inbox row read up to its last message; fails if the caller has no such row. */
export function buildMarkRead(table: string, ownerUuid: string, groupUuid: string): UpdateCommandInput {
  return {
    TableName: table,
    Key: keys.inbox(ownerUuid, groupUuid),
    UpdateExpression: 'SET unread_count = :zero, last_read_key = last_message_key',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':zero': 0 },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * One page of a user's conversations, newest first, via the LSI. One extra item is asked for so the
 * caller knows whether another page exists without a final empty round trip.
 */
export function buildListConversations(
  table: string,
  ownerUuid: string,
  limit: number,
  startKey?: Key,
): QueryCommandInput {
  return {
    TableName: table,
    IndexName: INBOX_BY_ACTIVITY_INDEX,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.inboxPartition(ownerUuid) },
    ScanIndexForward: false,
    Limit: limit + 1,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/** One page of a conversation's messages, newest first (the service reverses it for display). */
export function buildListMessages(
  table: string,
  groupUuid: string,
  limit: number,
  startKey?: Key,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.messagePartition(groupUuid) },
    ScanIndexForward: false,
    Limit: limit + 1,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/** The cursor after an inbox row: the LSI's key plus the table's key, as LastEvaluatedKey would be. */
export function inboxCursorKey(item: Pick<InboxItem, 'pk' | 'sk' | 'last_message_key'>): Key {
  return { pk: item.pk, sk: item.sk, last_message_key: item.last_message_key };
}

export function messageCursorKey(item: Pick<MessageItem, 'pk' | 'sk'>): Key {
  return { pk: item.pk, sk: item.sk };
}

// Strongly consistent: these decide membership and idempotency right after a write.
export const buildGetConversation = (table: string, groupUuid: string): GetCommandInput => ({
  TableName: table,
  Key: keys.conversation(groupUuid),
  ConsistentRead: true,
});
export const buildGetPair = (table: string, a: string, b: string): GetCommandInput => ({
  TableName: table,
  Key: keys.pair(a, b),
  ConsistentRead: true,
});
export const buildGetIdempotency = (table: string, senderUuid: string, key: string): GetCommandInput => ({
  TableName: table,
  Key: keys.idempotency(senderUuid, key),
  ConsistentRead: true,
});
export const buildGetMessage = (table: string, groupUuid: string, sk: string): GetCommandInput => ({
  TableName: table,
  Key: { pk: keys.messagePartition(groupUuid), sk },
  ConsistentRead: true,
});
export const buildGetProfile = (table: string, userUuid: string): GetCommandInput => ({
  TableName: table,
  Key: keys.user(userUuid),
});

/** BatchGetItem takes at most 100 keys: one request per 100 distinct users. */
export function buildBatchGetProfiles(table: string, userUuids: readonly string[]): BatchGetCommandInput[] {
  const unique = [...new Set(userUuids)];
  const requests: BatchGetCommandInput[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    requests.push({
      RequestItems: {
        [table]: {
          Keys: unique.slice(i, i + 100).map((u) => keys.user(u)),
          ProjectionExpression: '#u, handle, display_name',
          ExpressionAttributeNames: { '#u': 'uuid' },
        },
      },
    });
  }
  return requests;
}

export function userItem(user: UserSnapshot): UserItem {
  return {
    ...keys.user(user.uuid),
    type: 'user',
    uuid: user.uuid,
    handle: user.handle,
    display_name: user.display_name,
    bio: user.bio,
    version: user.version,
  } as UserItem;
}

/**
 * The replica only moves forward: a duplicate or an older event (SQS is at-least-once and unordered)
 * fails the condition and is ignored.
 */
export function buildPutProfile(table: string, user: UserSnapshot): PutCommandInput {
  return {
    TableName: table,
    Item: userItem(user),
    ConditionExpression: 'attribute_not_exists(pk) OR version < :v',
    ExpressionAttributeValues: { ':v': user.version },
  };
}
