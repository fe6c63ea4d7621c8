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
import {
  type ConversationItem,
  conversationItem,
  deletedUserItem,
  groupConversationItem,
  groupInboxItem,
  INBOX_BY_ACTIVITY_INDEX,
  type InboxItem,
  idempotencyItem,
  inboxItem,
  type Key,
  keys,
  type MessageItem,
  messageItem,
  type NewIdempotency,
  type NewMessage,
  pairItem,
  RELATIONS_ITEM_TYPE,
  sortedMembers,
  userItem,
  userItemFields,
  type WhoCanMessage,
} from '@cruddur/ddb';
import type { z } from 'zod';

/**
 * Pure request builders: every DynamoDB request this service sends is built here from plain input,
 * so conditions and key formats are unit-tested without a database (STYLE.md habit 8). The items
 * themselves are built by their modules in `@cruddur/ddb`.
 */

/** Idempotency keys are honoured for a day: long enough for any client retry, short enough to stay small. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What an idempotent request asked for. The same key with a different hash is a client bug (409). */
export function requestHash(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

const NOT_EXISTS = 'attribute_not_exists(pk)';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A TransactWriteItems request and the role of each of its items, in order. DynamoDB answers a cancelled
 * transaction with one reason per item; the roles say which item each reason is about, however many items
 * the transaction has (see `failedRoles`).
 */
export interface Transaction<Role extends string> {
  input: TransactWriteCommandInput;
  roles: readonly Role[];
}

function transaction<Role extends string>(
  items: readonly { role: Role; item: TransactItem }[],
): Transaction<Role> {
  return { input: { TransactItems: items.map((i) => i.item) }, roles: items.map((i) => i.role) };
}

/**
 * What a write checks on its sender's relations item (`REL#<sender>`), in its own transaction, so a block that
 * commits first always refuses it and one that commits later never does (DynamoDB orders the two):
 * - `notBlockedBy`: none of these users blocks the sender (and, with `bothWays`, the sender blocks none of them:
 *   a block stops a direct conversation both ways). A missing item or set blocks nobody.
 * - `version`: the item is still at the version the sender's `blocked_by` was read at (a group send decides from
 *   it whom the message is hidden from).
 */
export type RelationsGuard =
  | { notBlockedBy: readonly string[]; bothWays?: boolean }
  | { version: number | undefined };

function relationsCheck(table: string, senderUuid: string, guard: RelationsGuard): TransactItem {
  const check = {
    TableName: table,
    Key: keys.relations(senderUuid),
  };
  if ('version' in guard) {
    if (guard.version === undefined)
      return { ConditionCheck: { ...check, ConditionExpression: 'attribute_not_exists(version)' } };
    return {
      ConditionCheck: {
        ...check,
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': guard.version },
      },
    };
  }
  const values: Record<string, string> = {};
  const terms: string[] = [];
  guard.notBlockedBy.forEach((uuid, i) => {
    values[`:u${i}`] = uuid;
    // A declined request refuses further messages the way a block does (one way: the one declined).
    terms.push(`NOT contains(blocked_by, :u${i})`, `NOT contains(declined_by, :u${i})`);
    if (guard.bothWays) terms.push(`NOT contains(blocks, :u${i})`);
  });
  if (terms.length === 0) throw new Error('a relations check needs at least one user');
  return {
    ConditionCheck: { ...check, ConditionExpression: terms.join(' AND '), ExpressionAttributeValues: values },
  };
}

export type StartRole =
  | 'pair'
  | 'conversation'
  | 'inbox'
  | 'message'
  | 'idempotency'
  | 'relations'
  | 'recipient';

/**
 * Starting a conversation: one transaction, so it happens completely or not at all. The pair lock's
 * condition makes a second start between the same two users fail instead of creating a second group.
 */
export function buildStartConversation(
  table: string,
  input: {
    message: NewMessage;
    recipientUuid: string;
    idempotency?: NewIdempotency | undefined;
    /**
     * The recipient's relations version read to decide whether this start is a message request (undefined: no
     * item); checked in the transaction, so a change of their setting in between makes the start decide again.
     */
    recipientVersion?: number | undefined;
    /** Their row is a message request: listed apart and never pushed until they accept. */
    request?: boolean | undefined;
  },
): Transaction<StartRole> {
  const { message: m, recipientUuid } = input;
  const members = sortedMembers(m.senderUuid, recipientUuid);
  const start = { ...m, members };
  const pair = pairItem({
    userA: m.senderUuid,
    userB: recipientUuid,
    groupUuid: m.groupUuid,
    createdAt: m.createdAt,
  });
  const conversation = conversationItem({ groupUuid: m.groupUuid, members, createdAt: m.createdAt });
  const msg = messageItem(start);
  const put = <Role extends StartRole>(role: Role, Item: object) => ({
    role,
    item: { Put: { TableName: table, Item, ConditionExpression: NOT_EXISTS } },
  });
  return transaction([
    put('pair', pair),
    put('conversation', conversation),
    // The sender has read their own message; the recipient has one unread.
    put('inbox', inboxItem(m.senderUuid, recipientUuid, start, 0, msg.sk)),
    put('inbox', {
      ...inboxItem(recipientUuid, m.senderUuid, start, 1),
      ...(input.request ? { request: 'pending' } : {}),
    }),
    put('message', msg),
    ...(input.idempotency
      ? [put('idempotency', idempotencyItem(input.idempotency, m.groupUuid, msg.sk))]
      : []),
    {
      role: 'relations',
      item: relationsCheck(table, m.senderUuid, { notBlockedBy: [recipientUuid], bothWays: true }),
    },
    {
      role: 'recipient',
      item: relationsCheck(table, recipientUuid, { version: input.recipientVersion }),
    },
  ]);
}

export type StartGroupRole = 'conversation' | 'inbox' | 'message' | 'idempotency' | 'relations';

/**
 * Starting a group: its META, its first message and every member's inbox row in one transaction (the
 * creator's read, each other member's with the message unread), so every member has a row from the start
 * and the stream consumer never has to create one.
 */
export function buildStartGroup(
  table: string,
  input: { message: NewMessage; title: string | undefined; idempotency?: NewIdempotency | undefined },
): Transaction<StartGroupRole> {
  const { message: m } = input;
  const msg = messageItem(m);
  const put = <Role extends StartGroupRole>(role: Role, Item: object) => ({
    role,
    item: { Put: { TableName: table, Item, ConditionExpression: NOT_EXISTS } },
  });
  const conversation = groupConversationItem({
    groupUuid: m.groupUuid,
    members: m.members,
    createdBy: m.senderUuid,
    title: input.title,
    createdAt: m.createdAt,
    firstMessageKey: msg.sk,
  });
  return transaction<StartGroupRole>([
    put('conversation', conversation),
    ...m.members.map((owner) =>
      owner === m.senderUuid
        ? put('inbox', groupInboxItem(owner, m, 0, msg.sk, msg.sk))
        : put('inbox', groupInboxItem(owner, m, 1, msg.sk)),
    ),
    put('message', msg),
    ...(input.idempotency
      ? [put('idempotency', idempotencyItem(input.idempotency, m.groupUuid, msg.sk))]
      : []),
    // Nobody the creator puts in the group blocks them.
    {
      role: 'relations',
      item: relationsCheck(table, m.senderUuid, {
        notBlockedBy: m.members.filter((u) => u !== m.senderUuid),
      }),
    },
  ]);
}

export type ChangeGroupRole = 'state' | 'message' | 'inbox' | 'relations';

/** A group's state after an add, a leave or a rename, as `buildChangeGroup` writes it. */
export interface GroupChange {
  /** The META as the caller read it: the change applies only if its `state_key` is still the same. */
  seen: ConversationItem;
  /** The system message that records the change; its `members` are the membership after it. */
  message: NewMessage;
  title: string | undefined;
  joined: Record<string, string>;
  /** Rows of members the change adds (written at the system message). */
  newRows: readonly InboxItem[];
  /** The member a leave removes: their row goes and their relations item records the group (`left_groups`). */
  removedOwner?: string | undefined;
  /** Members an add puts in the group: none of them may block the one who adds them. */
  added?: readonly string[] | undefined;
}

/**
 * An add, leave or rename: one transaction that moves META to the new state (only from the state the caller
 * read, so two changes can never both apply to the same state), writes the system message, and writes or
 * deletes the rows of the members it adds or removes. Sends conditional on the old `state_key` fail after it.
 */
export function buildChangeGroup(table: string, change: GroupChange): Transaction<ChangeGroupRole> {
  const msg = messageItem(change.message);
  const seenState = change.seen.state_key;
  if (seenState === undefined) throw new Error('a group change needs the state it starts from');
  const values: Record<string, unknown> = {
    ':members': [...change.message.members],
    ':joined': change.joined,
    ':state': msg.sk,
    ':seen': seenState,
    ':actor': change.message.senderUuid,
  };
  let update = 'SET members = :members, joined = :joined, state_key = :state';
  if (change.title !== undefined) {
    update += ', title = :title';
    values[':title'] = change.title;
  } else update += ' REMOVE title';
  return transaction<ChangeGroupRole>([
    {
      role: 'state',
      item: {
        Update: {
          TableName: table,
          Key: keys.conversation(change.message.groupUuid),
          UpdateExpression: update,
          ConditionExpression: 'state_key = :seen AND contains(members, :actor)',
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    },
    { role: 'message', item: { Put: { TableName: table, Item: msg, ConditionExpression: NOT_EXISTS } } },
    ...change.newRows.map((row) => ({
      role: 'inbox' as const,
      item: { Put: { TableName: table, Item: row } },
    })),
    ...(change.removedOwner
      ? [
          {
            role: 'inbox' as const,
            item: {
              Delete: { TableName: table, Key: keys.inbox(change.removedOwner, change.message.groupUuid) },
            },
          },
        ]
      : []),
    // The leaver's relations item records the group, so an account deletion can still find their messages there.
    ...(change.removedOwner
      ? [
          {
            role: 'relations' as const,
            item: recordLeft(table, change.removedOwner, change.message.groupUuid),
          },
        ]
      : []),
    ...(change.added && change.added.length > 0
      ? [
          {
            role: 'relations' as const,
            item: relationsCheck(table, change.message.senderUuid, { notBlockedBy: change.added }),
          },
        ]
      : []),
  ]);
}

/** ADD of a left group to the leaver's `left_groups` (a set, so a retried leave adds nothing twice). */
function recordLeft(table: string, ownerUuid: string, groupUuid: string): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: keys.relations(ownerUuid),
      UpdateExpression: 'SET #type = :type, #uuid = :owner ADD left_groups :group, version :one',
      ExpressionAttributeNames: { '#type': 'type', '#uuid': 'uuid' },
      ExpressionAttributeValues: {
        ':type': RELATIONS_ITEM_TYPE,
        ':owner': ownerUuid,
        ':group': new Set([groupUuid]),
        ':one': 1,
      },
    },
  };
}

export type AppendRole = 'membership' | 'message' | 'idempotency' | 'relations';

/**
 * A message in an existing conversation: the sender must be a member (checked in the same transaction,
 * so a message can never land in a group its sender does not belong to). In a group the check is also on
 * the state the sender read (`stateKey`): a membership change committed meanwhile fails it, so the message's
 * members are always the membership in force at its commit. Inbox rows are left to the stream consumer,
 * which is their only writer after the start.
 */
export function buildAppendMessage(
  table: string,
  input: {
    message: NewMessage;
    stateKey?: string | undefined;
    idempotency?: NewIdempotency | undefined;
    /** A direct message: neither of the two blocks the other. A group message: the sender's relations version. */
    relations: RelationsGuard;
  },
): Transaction<AppendRole> {
  const msg = messageItem(input.message);
  const put = <Role extends AppendRole>(role: Role, Item: object) => ({
    role,
    item: { Put: { TableName: table, Item, ConditionExpression: NOT_EXISTS } },
  });
  return transaction<AppendRole>([
    {
      role: 'membership',
      item: {
        ConditionCheck: {
          TableName: table,
          Key: keys.conversation(input.message.groupUuid),
          // A lost race answers with the group as it now stands, so the send is retried without another read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...(input.stateKey === undefined
            ? {
                ConditionExpression: 'contains(members, :me)',
                ExpressionAttributeValues: { ':me': input.message.senderUuid },
              }
            : {
                ConditionExpression: 'contains(members, :me) AND state_key = :state',
                ExpressionAttributeValues: { ':me': input.message.senderUuid, ':state': input.stateKey },
              }),
        },
      },
    },
    put('message', msg),
    ...(input.idempotency
      ? [put('idempotency', idempotencyItem(input.idempotency, input.message.groupUuid, msg.sk))]
      : []),
    { role: 'relations', item: relationsCheck(table, input.message.senderUuid, input.relations) },
  ]);
}

/**
 * A block (`on`) or an unblock: both users' relations items in one transaction, so `blocks` of the one and
 * `blocked_by` of the other always agree. Set ADD and DELETE are idempotent: a retry changes no set twice; the
 * version moves on each call, which only makes a group send in flight read the sets again.
 */
export function buildSetBlock(
  table: string,
  input: { blockerUuid: string; blockedUuid: string; on: boolean },
): TransactWriteCommandInput {
  const side = (owner: string, set: 'blocks' | 'blocked_by', other: string) => ({
    Update: {
      TableName: table,
      Key: keys.relations(owner),
      UpdateExpression: input.on
        ? `SET #type = :type, #uuid = :owner ADD ${set} :other, version :one`
        : `SET #type = :type, #uuid = :owner DELETE ${set} :other ADD version :one`,
      ExpressionAttributeNames: { '#type': 'type', '#uuid': 'uuid' },
      ExpressionAttributeValues: {
        ':type': RELATIONS_ITEM_TYPE,
        ':owner': owner,
        ':other': new Set([other]),
        ':one': 1,
      },
    },
  });
  return {
    TransactItems: [
      side(input.blockerUuid, 'blocks', input.blockedUuid),
      side(input.blockedUuid, 'blocked_by', input.blockerUuid),
    ],
  };
}

export const buildGetRelations = (table: string, userUuid: string): GetCommandInput => ({
  TableName: table,
  Key: keys.relations(userUuid),
  ConsistentRead: true,
});

/** An edit or a delete of one message, from the version of it the caller read. */
export interface MessageChange {
  groupUuid: string;
  sk: string;
  /** The acting user: only the sender may change a message. */
  senderUuid: string;
  /** The `edit_version` read (0 when absent): the change applies only to that version. */
  seenVersion: number;
  /** When the change is made. */
  at: string;
}

/**
 * The conditions every change of a message shares: it exists, the caller sent it, it is a text message (a system
 * message records a group change and nobody may rewrite it), it is not a tombstone (an edit never brings one back,
 * and a delete happens once), and it is still at the version read, so an edit and a delete racing resolve to one
 * outcome: the loser fails here and decides again on what the winner left (returned with the failure).
 */
function changeOf(change: MessageChange) {
  const names: Record<string, string> = { '#kind': 'kind' };
  const values: Record<string, unknown> = { ':me': change.senderUuid, ':system': 'system' };
  let condition =
    'attribute_exists(pk) AND sender_uuid = :me AND attribute_not_exists(deleted) AND ' +
    '(attribute_not_exists(#kind) OR #kind <> :system) AND ';
  if (change.seenVersion === 0) condition += 'attribute_not_exists(edit_version)';
  else {
    condition += 'edit_version = :seen';
    values[':seen'] = change.seenVersion;
  }
  values[':next'] = change.seenVersion + 1;
  values[':at'] = change.at;
  return {
    key: { pk: keys.messagePartition(change.groupUuid), sk: change.sk },
    condition,
    names,
    values,
  };
}

/**
 * An edit: the new text, `edited_at` and the next version, in place (the message keeps its key, so its place in
 * the thread). Only within the edit window: `notBefore` is the oldest `created_at` that may still be edited.
 */
export function buildEditMessage(
  table: string,
  change: MessageChange & { text: string; notBefore: string },
): UpdateCommandInput {
  return { ...editUpdate(table, change), ReturnValues: 'ALL_NEW' };
}

function editUpdate(table: string, change: MessageChange & { text: string; notBefore: string }) {
  const { key, condition, names, values } = changeOf(change);
  return {
    TableName: table,
    Key: key,
    UpdateExpression: 'SET #message = :text, edited_at = :at, edit_version = :next',
    ConditionExpression: `${condition} AND created_at >= :notBefore`,
    ExpressionAttributeNames: { ...names, '#message': 'message' },
    ExpressionAttributeValues: { ...values, ':text': change.text, ':notBefore': change.notBefore },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

export type EditRole = 'message' | 'idempotency';

/** An edit with an idempotency key: the same conditional update and the key's record, together or not at all. */
export function buildEditMessageOnce(
  table: string,
  change: MessageChange & { text: string; notBefore: string },
  idempotency: NewIdempotency,
): Transaction<EditRole> {
  return transaction<EditRole>([
    { role: 'message', item: { Update: editUpdate(table, change) } },
    {
      role: 'idempotency',
      item: {
        Put: {
          TableName: table,
          Item: idempotencyItem(idempotency, change.groupUuid, change.sk),
          ConditionExpression: NOT_EXISTS,
        },
      },
    },
  ]);
}

/**
 * A delete for everyone: the text is removed from the item (a tombstone keeps its key, sender and members, so
 * the thread keeps its place and the stream consumer knows whose previews and counts it touched).
 */
export function buildDeleteMessage(table: string, change: MessageChange): UpdateCommandInput {
  const { key, condition, names, values } = changeOf(change);
  return {
    TableName: table,
    Key: key,
    // Its reactions go with its text: a tombstone shows none, and no reaction can be added to it afterwards.
    UpdateExpression:
      'SET deleted = :true, deleted_at = :at, edit_version = :next REMOVE #message, reactions',
    ConditionExpression: condition,
    ExpressionAttributeNames: { ...names, '#message': 'message' },
    ExpressionAttributeValues: { ...values, ':true': true },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
  requests = false,
): QueryCommandInput {
  return {
    TableName: table,
    IndexName: INBOX_BY_ACTIVITY_INDEX,
    KeyConditionExpression: 'pk = :pk',
    // The conversation list leaves message requests out (pending or declined); the request list has the pending.
    // `request` is a reserved word.
    FilterExpression: requests ? '#request = :pending' : 'attribute_not_exists(#request)',
    ExpressionAttributeNames: { '#request': 'request' },
    ExpressionAttributeValues: {
      ':pk': keys.inboxPartition(ownerUuid),
      ...(requests ? { ':pending': 'pending' } : {}),
    },
    ScanIndexForward: false,
    Limit: limit + 1,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/**
 * One page of a conversation's messages, newest first (the service reverses it for display). In a group,
 * `viewer` limits it to what was sent to them: messages from their join on whose members include them, but
 * not those hidden from them (sent by someone they blocked, while the block held).
 */
export function buildListMessages(
  table: string,
  groupUuid: string,
  limit: number,
  startKey?: Key,
  viewer?: { uuid: string; joinedKey: string },
): QueryCommandInput {
  const page = {
    TableName: table,
    ScanIndexForward: false,
    Limit: limit + 1,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
  if (!viewer)
    return {
      ...page,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagePartition(groupUuid) },
    };
  return {
    ...page,
    KeyConditionExpression: 'pk = :pk AND sk >= :joined',
    // Sent to them: a member, and not one who blocked its sender (`hidden_from`).
    FilterExpression: 'contains(members, :me) AND NOT contains(hidden_from, :me)',
    ExpressionAttributeValues: {
      ':pk': keys.messagePartition(groupUuid),
      ':joined': viewer.joinedKey,
      ':me': viewer.uuid,
    },
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

/** The replica's fields that buildBatchGetProfiles projects: what lists and threads show of a user. */
export const profileRowSchema = userItemFields.pick({ uuid: true, handle: true, display_name: true });
export type ProfileRow = z.infer<typeof profileRowSchema>;

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

/** A page of a user's own inbox rows (the base table, not the index): the conversations a deletion walks. */
export function buildListOwnRows(table: string, ownerUuid: string, startKey?: Key): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.inboxPartition(ownerUuid) },
    ProjectionExpression: 'sk',
    ConsistentRead: true,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/** A page of a conversation's text messages from one sender that still have their text. */
export function buildListSentBy(
  table: string,
  groupUuid: string,
  senderUuid: string,
  startKey?: Key,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression:
      'sender_uuid = :me AND attribute_not_exists(deleted) AND (attribute_not_exists(#kind) OR #kind <> :system)',
    ExpressionAttributeNames: { '#kind': 'kind' },
    ExpressionAttributeValues: {
      ':pk': keys.messagePartition(groupUuid),
      ':me': senderUuid,
      ':system': 'system',
    },
    ConsistentRead: true,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/** A group's system messages that name the user (who was added), page by page: an erasure renders them again. */
export function buildListSystemNaming(
  table: string,
  groupUuid: string,
  userUuid: string,
  startKey?: Key,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: '#kind = :system AND contains(#system.user_uuids, :me)',
    ExpressionAttributeNames: { '#kind': 'kind', '#system': 'system' },
    ExpressionAttributeValues: {
      ':pk': keys.messagePartition(groupUuid),
      ':me': userUuid,
      ':system': 'system',
    },
    ConsistentRead: true,
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
}

/**
 * A system message's text rendered again. Its version does not move, so the stream consumer skips it: a row's
 * preview can still be the old text only while this message is the group's newest, and the erasure's (or an
 * earlier) leave that follows it is newer.
 */
export function buildSetSystemText(
  table: string,
  groupUuid: string,
  sk: string,
  text: string,
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { pk: keys.messagePartition(groupUuid), sk },
    UpdateExpression: 'SET message = :text',
    ConditionExpression: '#kind = :system',
    ExpressionAttributeNames: { '#kind': 'kind' },
    ExpressionAttributeValues: { ':text': text, ':system': 'system' },
  };
}

/**
 * A deleted user's profile: unconditional, at a version above any event's, so neither a replay nor a late
 * profile event can bring the old name back (`buildPutProfile` only moves to a higher version).
 */
export function buildPutDeletedProfile(table: string, userUuid: string): PutCommandInput {
  return { TableName: table, Item: deletedUserItem(userUuid) };
}

/** Sets who may start a conversation with the user; the version moves, so a start deciding on the old one retries. */
export function buildSetWhoCanMessage(
  table: string,
  userUuid: string,
  value: WhoCanMessage,
): UpdateCommandInput {
  return {
    TableName: table,
    Key: keys.relations(userUuid),
    UpdateExpression: 'SET #type = :type, #uuid = :owner, who_can_message = :value ADD version :one',
    ExpressionAttributeNames: { '#type': 'type', '#uuid': 'uuid' },
    ExpressionAttributeValues: {
      ':type': RELATIONS_ITEM_TYPE,
      ':owner': userUuid,
      ':value': value,
      ':one': 1,
    },
    ReturnValues: 'ALL_NEW',
  };
}

/** Accepts a request: the row joins the conversation list. Fails when the row is not a pending request. */
export function buildAcceptRequest(table: string, ownerUuid: string, groupUuid: string): UpdateCommandInput {
  return {
    TableName: table,
    Key: keys.inbox(ownerUuid, groupUuid),
    UpdateExpression: 'REMOVE #request',
    ConditionExpression: '#request = :pending',
    ExpressionAttributeNames: { '#request': 'request' },
    ExpressionAttributeValues: { ':pending': 'pending' },
    ReturnValues: 'ALL_NEW',
  };
}

export type DeclineRole = 'row' | 'relations';

/**
 * Declines a request: the owner's row becomes `declined` (hidden from both lists, never pushed; kept rather than
 * deleted so the stream consumer cannot bring it back), only while it is a pending request, and both relations items record it
 * in the same transaction (`declined` of the owner, `declined_by` of the sender), so every later send, start or add
 * from the sender is refused like a block. The sender is not told: their own row stays as it was.
 */
export function buildDeclineRequest(
  table: string,
  input: { ownerUuid: string; senderUuid: string; groupUuid: string },
): Transaction<DeclineRole> {
  const side = (owner: string, set: 'declined' | 'declined_by', other: string) => ({
    role: 'relations' as const,
    item: {
      Update: {
        TableName: table,
        Key: keys.relations(owner),
        UpdateExpression: `SET #type = :type, #uuid = :owner ADD ${set} :other, version :one`,
        ExpressionAttributeNames: { '#type': 'type', '#uuid': 'uuid' },
        ExpressionAttributeValues: {
          ':type': RELATIONS_ITEM_TYPE,
          ':owner': owner,
          ':other': new Set([other]),
          ':one': 1,
        },
      },
    },
  });
  return transaction<DeclineRole>([
    {
      role: 'row',
      item: {
        Update: {
          TableName: table,
          Key: keys.inbox(input.ownerUuid, input.groupUuid),
          UpdateExpression: 'SET #request = :declined',
          ConditionExpression: '#request = :pending',
          ExpressionAttributeNames: { '#request': 'request' },
          ExpressionAttributeValues: { ':pending': 'pending', ':declined': 'declined' },
        },
      },
    },
    side(input.ownerUuid, 'declined', input.senderUuid),
    side(input.senderUuid, 'declined_by', input.ownerUuid),
  ]);
}

/** The user's next inbox row after `afterGroup` (rows sort by group uuid): an export walks them one at a time. */
export function buildNextOwnRow(table: string, ownerUuid: string, afterGroup?: string): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: afterGroup ? 'pk = :pk AND sk > :after' : 'pk = :pk',
    ExpressionAttributeValues: {
      ':pk': keys.inboxPartition(ownerUuid),
      ...(afterGroup ? { ':after': afterGroup } : {}),
    },
    ProjectionExpression: 'sk',
    Limit: 1,
    ConsistentRead: true,
  };
}

/**
 * A page of a conversation's messages oldest first, from after `afterSk`: in a group, as `buildListMessages` limits
 * them for `viewer` (from their join, sent to them, not hidden from them).
 */
export function buildExportMessages(
  table: string,
  groupUuid: string,
  limit: number,
  afterSk?: string,
  viewer?: { uuid: string; joinedKey: string },
): QueryCommandInput {
  const pk = keys.messagePartition(groupUuid);
  return {
    TableName: table,
    ScanIndexForward: true,
    Limit: limit,
    ConsistentRead: true,
    ...(afterSk ? { ExclusiveStartKey: { pk, sk: afterSk } } : {}),
    ...(viewer
      ? {
          KeyConditionExpression: 'pk = :pk AND sk >= :joined',
          FilterExpression: 'contains(members, :me) AND NOT contains(hidden_from, :me)',
          ExpressionAttributeValues: { ':pk': pk, ':joined': viewer.joinedKey, ':me': viewer.uuid },
        }
      : { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
  };
}
