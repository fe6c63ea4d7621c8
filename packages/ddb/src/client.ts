import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  region: string;
  /** DynamoDB Local's URL; leave unset on AWS. */
  endpoint?: string | undefined;
  maxAttempts?: number;
}

export function dynamoClientConfig({
  region,
  endpoint,
  maxAttempts = 5,
}: DynamoClientOptions): DynamoDBClientConfig {
  return {
    region,
    maxAttempts,
    ...(endpoint ? { endpoint } : {}),
    // Fail a hung call instead of holding a request (or a shard) forever.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  };
}

/** One document client per process: building a client per request was one of the reference's costs. */
export function createDocumentClient(options: DynamoClientOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(dynamoClientConfig(options)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
