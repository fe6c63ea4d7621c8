import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Scans a whole table page by page (the reference read one page and stopped), handing each item to
 * `onItem`. Stops after `limit` items when given. Returns how many items and pages were read.
 */
export async function scanTable(
  doc: DynamoDBDocumentClient,
  table: string,
  {
    limit,
    pageSize = 100,
    onItem,
  }: { limit?: number; pageSize?: number; onItem: (item: Record<string, unknown>) => void },
): Promise<{ items: number; pages: number }> {
  let items = 0;
  let pages = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const remaining = limit === undefined ? pageSize : Math.min(pageSize, limit - items);
    if (remaining <= 0) break;
    const out = await doc.send(
      new ScanCommand({ TableName: table, Limit: remaining, ExclusiveStartKey: start }),
    );
    pages++;
    for (const item of out.Items ?? []) {
      onItem(item);
      items++;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, pages };
}
