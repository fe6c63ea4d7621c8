import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createDocumentClient, messageTableDefinition } from '@cruddur/ddb';
import type { LocalStackEndpoints } from '@cruddur/local-stack';
import pg from 'pg';

export const TEST_REGION = 'us-east-1';

/** A short unique name: parallel files and reruns never share a table, queue or database. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Environment for AWS SDK clients pointed at the local stack (DynamoDB Local wants an alphanumeric key id). */
export function localAwsEnv(): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: TEST_REGION };
}

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

export function dynamoClient(stack: LocalStackEndpoints) {
  return new DynamoDBClient({ region: TEST_REGION, endpoint: stack.dynamodbEndpoint });
}
export function documentClient(stack: LocalStackEndpoints) {
  return createDocumentClient({ region: TEST_REGION, endpoint: stack.dynamodbEndpoint });
}
export function sqsClient(stack: LocalStackEndpoints) {
  return new SQSClient({ region: TEST_REGION, endpoint: stack.sqsEndpoint });
}
export function snsClient(stack: LocalStackEndpoints) {
  return new SNSClient({ region: TEST_REGION, endpoint: stack.sqsEndpoint });
}

export interface TestTable {
  name: string;
  drop(): Promise<void>;
}

/** A fresh messages table (same definition as production) with a unique name. */
export async function createTestTable(stack: LocalStackEndpoints, prefix = 'messages'): Promise<TestTable> {
  const client = dynamoClient(stack);
  const name = uniqueName(prefix);
  await client.send(new CreateTableCommand(messageTableDefinition(name)));
  return {
    name,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      client.destroy();
    },
  };
}

export interface TestQueue {
  name: string;
  url: string;
  arn: string;
  dlqUrl: string;
  drop(): Promise<void>;
}

/** A queue with its dead-letter queue (redrive after `maxReceiveCount` receives). */
export async function createTestQueue(
  stack: LocalStackEndpoints,
  { prefix = 'q', maxReceiveCount = 3, visibilityTimeoutSeconds = 30 } = {},
): Promise<TestQueue> {
  const sqs = sqsClient(stack);
  const name = uniqueName(prefix);
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  return {
    name,
    url: queue.QueueUrl!,
    arn: arn!,
    dlqUrl: dlq.QueueUrl!,
    drop: async () => {
      await Promise.allSettled([
        sqs.send(new DeleteQueueCommand({ QueueUrl: queue.QueueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: dlq.QueueUrl })),
      ]);
      sqs.destroy();
    },
  };
}

export interface TestTopic {
  arn: string;
  /** Subscribes a queue with raw delivery, as the deployed topic does. */
  subscribe(queueArn: string): Promise<void>;
  drop(): Promise<void>;
}

export async function createTestTopic(stack: LocalStackEndpoints, prefix = 'topic'): Promise<TestTopic> {
  const sns = snsClient(stack);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName(prefix) }));
  return {
    arn: TopicArn!,
    subscribe: async (queueArn) => {
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
    },
    drop: async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn })).catch(() => undefined);
      sns.destroy();
    },
  };
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database with a unique name on the stack's server. */
export async function createTestDatabase(stack: LocalStackEndpoints, prefix = 't'): Promise<TestDatabase> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: stack.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stack.postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: stack.postgresUrl });
      await client.connect();
      await client
        .query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)
        .catch(() => undefined);
      await client.end();
    },
  };
}

export interface TestUserPool {
  userPoolId: string;
  clientId: string;
  endpoint: string;
  /** The issuer cognito-local writes into its tokens. */
  issuer: string;
}

/** A user pool and an app client that allows USER_PASSWORD_AUTH, like the deployed one. */
export async function createTestUserPool(stack: LocalStackEndpoints): Promise<TestUserPool> {
  const cognito = new CognitoIdentityProviderClient({ region: TEST_REGION, endpoint: stack.cognitoEndpoint });
  try {
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('pool') }));
    const userPoolId = pool.UserPool!.Id!;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'cruddur-web',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    return {
      userPoolId,
      clientId: client.UserPoolClient!.ClientId!,
      endpoint: stack.cognitoEndpoint,
      issuer: `${stack.cognitoEndpoint}/${userPoolId}`,
    };
  } finally {
    cognito.destroy();
  }
}
