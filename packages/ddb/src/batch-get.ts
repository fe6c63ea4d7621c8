import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/**
 * Sends a BatchGetItem (at most 100 keys) until every key is answered: under load DynamoDB may answer only part
 * and return the rest as unprocessed keys, which are asked for again with a growing pause. `rethrow` lets a
 * service turn outages into its own error.
 */
export async function batchGetAll(
  ddb: DynamoDBDocumentClient,
  request: BatchGetCommandInput,
  rethrow: (err: unknown) => never = (err) => {
    throw err;
  },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let pending: BatchGetCommandInput['RequestItems'] | undefined = request.RequestItems;
  for (let round = 0; pending && Object.keys(pending).length > 0; round++) {
    if (round >= 8) throw new Error('BatchGetItem kept returning unprocessed keys');
    if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
    const out = await ddb.send(new BatchGetCommand({ RequestItems: pending })).catch(rethrow);
    for (const answered of Object.values(out.Responses ?? {})) items.push(...answered);
    pending = out.UnprocessedKeys;
  }
  return items;
}
