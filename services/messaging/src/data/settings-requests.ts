import type { BatchGetCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys, SETTINGS_ITEM_TYPE, type SettingsChange } from '@cruddur/ddb';

/**
 * Settings of up to 100 users, strongly consistent: whether a position is shown is decided on what was last
 * written, on every replica, with no cache in between.
 */
export function buildBatchGetSettings(table: string, userUuids: readonly string[]): BatchGetCommandInput[] {
  const unique = [...new Set(userUuids)];
  const requests: BatchGetCommandInput[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    requests.push({
      RequestItems: {
        [table]: { Keys: unique.slice(i, i + 100).map((u) => keys.settings(u)), ConsistentRead: true },
      },
    });
  }
  return requests;
}

/**
 * The read positions of `others` in one conversation and the settings of `viewer` and `others`, in one strongly
 * consistent BatchGetItem (at most 100 keys): for a conversation this small, cheaper than a Query of its receipt
 * partition and then a BatchGetItem of the settings, which is what a thread page of a direct conversation paid.
 */
export function buildBatchGetPositionsAndSettings(
  table: string,
  groupUuid: string,
  viewer: string,
  others: readonly string[],
): BatchGetCommandInput {
  const unique = [...new Set(others)].filter((u) => u !== viewer);
  const keyList = [
    ...unique.map((u) => keys.receipt(groupUuid, u)),
    ...[viewer, ...unique].map((u) => keys.settings(u)),
  ];
  if (keyList.length > 100) throw new Error('at most 100 keys in one BatchGetItem');
  return { RequestItems: { [table]: { Keys: keyList, ConsistentRead: true } } };
}

/**
 * Sets the settings a change names and nothing else, so settings other features keep in the same item survive;
 * creates the item on the first change. Answers the whole item.
 */
export function buildChangeSettings(
  table: string,
  userUuid: string,
  change: SettingsChange,
  at: string,
): UpdateCommandInput {
  const sets = ['#type = :type', 'user_uuid = :user', 'updated_at = :at'];
  const values: Record<string, unknown> = { ':type': SETTINGS_ITEM_TYPE, ':user': userUuid, ':at': at };
  if (change.read_receipts !== undefined) {
    sets.push('read_receipts = :read_receipts');
    values[':read_receipts'] = change.read_receipts;
  }
  return {
    TableName: table,
    Key: keys.settings(userUuid),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}
