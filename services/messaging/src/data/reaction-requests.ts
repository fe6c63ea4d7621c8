import type {
  GetCommandInput,
  QueryCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { MAX_REACTIONS_PER_MESSAGE } from '@cruddur/contracts';
import { keys, type ReceiptItem } from '@cruddur/ddb';

/**
 * Pure builders of the reaction and read-position requests (settings: settings-requests.ts; the rest: requests.ts). Why each
 * condition is there is said beside it; the domain (domain/reactions.ts, domain/receipts.ts) reads what a failed
 * condition returned to tell an idempotent repeat from a refusal.
 */

/** A reaction of one member to one message. */
export interface ReactionChange {
  groupUuid: string;
  /** The message's sort key. */
  sk: string;
  userUuid: string;
  emoji: string;
}

const messageKey = (c: ReactionChange) => ({ pk: keys.messagePartition(c.groupUuid), sk: c.sk });

/**
 * The first reaction of a message: its `reactions` map made with this one emoji in it. DynamoDB can only ADD to a
 * set inside a map that exists, and a SET of the map and an ADD into it cannot share one expression, so the map is
 * written whole, only while there is none (a racing first reaction makes this fail, and the add below is tried).
 * Never on a tombstone.
 */
export function buildFirstReaction(table: string, c: ReactionChange): UpdateCommandInput {
  return {
    TableName: table,
    Key: messageKey(c),
    UpdateExpression: 'SET reactions = :first ADD reaction_version :one',
    ConditionExpression:
      'attribute_exists(pk) AND attribute_not_exists(reactions) AND attribute_not_exists(deleted)',
    ExpressionAttributeValues: { ':first': { [c.emoji]: new Set([c.userUuid]) }, ':one': 1 },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Adds the member to the emoji's set: the count is the set's size, so it cannot drift from who reacted.
 * Conditions: the map exists (see buildFirstReaction); not a tombstone (a reaction racing a delete either lands
 * before it and is removed with it, or fails here); the member has not added this emoji yet (a repeat writes
 * nothing and moves no version, so it makes no event); the emoji is already there or the message has fewer than
 * MAX_REACTIONS_PER_MESSAGE distinct ones (checked on the item itself, so two racing new emoji cannot both pass
 * the last place). `reaction_version` +1 orders the changes' events.
 */
export function buildAddReaction(table: string, c: ReactionChange): UpdateCommandInput {
  return {
    TableName: table,
    Key: messageKey(c),
    UpdateExpression: 'ADD reactions.#e :users, reaction_version :one',
    ConditionExpression:
      'attribute_exists(reactions) AND attribute_not_exists(deleted) AND NOT contains(reactions.#e, :me) AND ' +
      '(attribute_exists(reactions.#e) OR size(reactions) < :max)',
    ExpressionAttributeNames: { '#e': c.emoji },
    ExpressionAttributeValues: {
      ':users': new Set([c.userUuid]),
      ':me': c.userUuid,
      ':one': 1,
      ':max': MAX_REACTIONS_PER_MESSAGE,
    },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Takes the member out of the emoji's set (DynamoDB drops the emoji with its last member). Only when they are in
 * it (removing an absent reaction writes nothing) and not on a tombstone.
 */
export function buildRemoveReaction(table: string, c: ReactionChange): UpdateCommandInput {
  return {
    TableName: table,
    Key: messageKey(c),
    UpdateExpression: 'DELETE reactions.#e :users ADD reaction_version :one',
    ConditionExpression: 'attribute_not_exists(deleted) AND contains(reactions.#e, :me)',
    ExpressionAttributeNames: { '#e': c.emoji },
    ExpressionAttributeValues: { ':users': new Set([c.userUuid]), ':me': c.userUuid, ':one': 1 },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

export type ReceiptRole = 'receipt' | 'settings';

/**
 * Records a read position, forward only (a late or replayed mark never moves it back), and only while the member
 * sends read receipts: the check on their settings item is in the same transaction, so once turning receipts off
 * is committed no position of theirs is recorded on any replica.
 */
export function buildRecordReceipt(
  table: string,
  receipt: ReceiptItem,
): { input: TransactWriteCommandInput; roles: readonly ReceiptRole[] } {
  return {
    input: {
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: receipt,
            ConditionExpression: 'attribute_not_exists(pk) OR read_key < :key',
            ExpressionAttributeValues: { ':key': receipt.read_key },
          },
        },
        {
          ConditionCheck: {
            TableName: table,
            Key: keys.settings(receipt.user_uuid),
            ConditionExpression:
              'attribute_not_exists(pk) OR attribute_not_exists(read_receipts) OR read_receipts = :on',
            ExpressionAttributeValues: { ':on': true },
          },
        },
      ],
    },
    roles: ['receipt', 'settings'],
  };
}

/**
 * One member's recorded position, eventually consistent: only to skip a mark that moves nothing (an older answer
 * just means the conditional write is tried and refused).
 */
export function buildGetReceipt(table: string, groupUuid: string, userUuid: string): GetCommandInput {
  return { TableName: table, Key: keys.receipt(groupUuid, userUuid) };
}

/** Every member's read position in a conversation (one item each, one partition). */
export function buildListReceipts(table: string, groupUuid: string): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.receiptPartition(groupUuid) },
  };
}
