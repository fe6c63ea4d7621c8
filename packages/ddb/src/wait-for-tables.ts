import { DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { type DynamoClientOptions, dynamoClientConfig } from './client.ts';

export class TablesMissingError extends Error {
  constructor(
    readonly tables: string[],
    waitedMs: number,
  ) {
    super(
      `table${tables.length === 1 ? '' : 's'} ${tables.join(', ')} not found after ${waitedMs} ms: ` +
        'load the schema (scripts/ddb/schema-load) or fix the table names',
    );
    this.name = 'TablesMissingError';
  }
}

/**
 * Resolves once every table answers DescribeTable, polling each from every 50 ms up to every second (the SDK's
 * waiter, which also rides out a DynamoDB that does not answer yet). A process started beside a DynamoDB Local
 * that is still booting, or before the schema is loaded, then starts as soon as its tables are there instead of
 * failing; one whose tables never come fails with their names.
 */
export async function waitForTables(
  options: DynamoClientOptions,
  tables: string[],
  timeoutMs: number,
): Promise<void> {
  // One attempt per call: the waiter is the retry loop.
  const client = new DynamoDBClient(dynamoClientConfig({ ...options, maxAttempts: 1 }));
  try {
    const waits = await Promise.allSettled(
      tables.map((TableName) =>
        waitUntilTableExists(
          // The waiter refuses a wait no longer than its first delay.
          { client, maxWaitTime: Math.max(timeoutMs / 1000, 0.1), minDelay: 0.05, maxDelay: 1 },
          { TableName },
        ),
      ),
    );
    const missing = tables.filter((_, i) => waits[i]!.status === 'rejected');
    if (missing.length > 0) throw new TablesMissingError(missing, timeoutMs);
  } finally {
    client.destroy();
  }
}
