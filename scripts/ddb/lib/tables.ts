import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { MESSAGE_TTL_ATTRIBUTE, messageTableDefinition } from '@cruddur/ddb';
import { CONNECTION_TTL_ATTRIBUTE, connectionTableDefinition } from '@cruddur/realtime/table';
import { leaseTableDefinition } from '@cruddur/stream-consumer/lease-table';

export const TTL_ATTRIBUTE = MESSAGE_TTL_ATTRIBUTE;

export interface TableLoadResult {
  table: string;
  role: 'messages' | 'leases' | 'connections';
  status: 'created' | 'exists';
  /** Set when an existing table lacks something the system relies on. */
  warnings: string[];
}

/**
 * Creates the messages table (stream, LSI, TTL), the stream consumer's lease table and the gateways' connection
 * registry (TTL) if missing. Running it again reports that they exist and changes nothing.
 */
export async function loadSchema(
  client: DynamoDBClient,
  {
    messageTable,
    leaseTable,
    connectionTable,
  }: { messageTable: string; leaseTable: string; connectionTable: string },
): Promise<TableLoadResult[]> {
  // The tables at once: on a DynamoDB Local that has just started each takes a while.
  return Promise.all([
    createIfMissing(client, messageTableDefinition(messageTable), 'messages').then(async (messages) => {
      await enableTtl(client, messageTable, TTL_ATTRIBUTE);
      return messages;
    }),
    createIfMissing(client, connectionTableDefinition(connectionTable), 'connections').then(
      async (loaded) => {
        await enableTtl(client, connectionTable, CONNECTION_TTL_ATTRIBUTE);
        return loaded;
      },
    ),
    createIfMissing(client, leaseTableDefinition(leaseTable), 'leases'),
  ]);
}

async function createIfMissing(
  client: DynamoDBClient,
  definition: CreateTableCommandInput,
  role: TableLoadResult['role'],
): Promise<TableLoadResult> {
  const table = definition.TableName!;
  let status: TableLoadResult['status'] = 'created';
  let active = false;
  try {
    const created = await client.send(new CreateTableCommand(definition));
    // DynamoDB Local makes a table at once; AWS answers CREATING and the waiter below follows it.
    active = created.TableDescription?.TableStatus === 'ACTIVE';
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
    status = 'exists';
  }
  if (!active) await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: table });
  const warnings = status === 'exists' ? await differences(client, definition) : [];
  return { table, role, status, warnings };
}

/** What an existing table is missing compared with its definition (a table made by hand, like the reference's). */
async function differences(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
  const warnings: string[] = [];
  const wantStream = definition.StreamSpecification?.StreamEnabled === true;
  if (wantStream && !Table?.StreamSpecification?.StreamEnabled) warnings.push('stream is off');
  if (
    wantStream &&
    Table?.StreamSpecification?.StreamViewType !== definition.StreamSpecification?.StreamViewType
  )
    warnings.push(`stream view type is ${Table?.StreamSpecification?.StreamViewType ?? 'none'}`);
  for (const index of definition.LocalSecondaryIndexes ?? []) {
    if (!Table?.LocalSecondaryIndexes?.some((i) => i.IndexName === index.IndexName))
      warnings.push(`index ${index.IndexName} is missing (an LSI can only be added by recreating the table)`);
  }
  return warnings;
}

async function enableTtl(client: DynamoDBClient, table: string, attribute: string): Promise<void> {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (err) {
    // Already on is fine; that is what a second run finds.
    if (err instanceof Error && /already enabled/i.test(err.message)) return;
    throw err;
  }
}

export async function listTables(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start, Limit: 100 }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start);
  return names;
}

/** Deletes a table and waits until it is gone. Returns false when there was no such table. */
export async function dropTable(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return false;
    throw err;
  }
  await waitUntilTableNotExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: table });
  return true;
}
