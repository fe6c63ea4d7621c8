import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { INBOX_ACTIVITY_ATTRIBUTE, INBOX_BY_ACTIVITY_INDEX } from './keys.ts';

export const DEFAULT_MESSAGE_TABLE = 'cruddur-messages';

/** The attribute DynamoDB TTL reads (epoch seconds): idempotency records delete themselves once expired. */
export const MESSAGE_TTL_ATTRIBUTE = 'expires_at';

/**
 * The messages table: one table, overloaded `pk`/`sk`, on-demand, with a stream of new and old images
 * (the stream consumer needs both to tell inserts from no-op rewrites). The only index is a local one,
 * so inbox listing can be strongly consistent and never shows a row twice.
 */
export function messageTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: INBOX_ACTIVITY_ATTRIBUTE, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: INBOX_BY_ACTIVITY_INDEX,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: INBOX_ACTIVITY_ATTRIBUTE, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}
