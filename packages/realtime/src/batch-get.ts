import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const CHUNK = 100; // BatchGetItem's limit
const MAX_ROUNDS = 6;

/**
 * Reads items by `pk`, 100 keys a request, retrying the keys DynamoDB left unprocessed (throttling) with a
 * growing delay. Strongly consistent: a user who connected a moment ago must be found, or their push is lost.
 */
export async function batchGetByPk(
  ddb: DynamoDBDocumentClient,
  table: string,
  pks: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(pks)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    let keys: Record<string, unknown>[] = unique.slice(i, i + CHUNK).map((pk) => ({ pk }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`${keys.length} registry keys unprocessed after ${round} rounds`);
      if (round > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** round));
      const result = await ddb.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[table] ?? []) found.set(String(item.pk), item);
      keys = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return found;
}
