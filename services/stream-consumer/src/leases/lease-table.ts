import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The lease table: one item per shard lease (`lease_key` = `<stream label>#<shard id>`) plus one heartbeat item
 * per live worker (`worker#<id>`). A single hash key keeps every lease operation a conditional single-item write,
 * and the table is small (shards + workers), so the coordinator's periodic Scan is cheap. No stream: nothing reads one.
 */
export function leaseTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'lease_key', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'lease_key', KeyType: 'HASH' }],
  };
}
