import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DEFAULT_MESSAGE_TABLE, MESSAGE_TTL_ATTRIBUTE, messageTableDefinition } from '@cruddur/ddb';
import {
  CONNECTION_TTL_ATTRIBUTE,
  connectionTableDefinition,
  DEFAULT_CONNECTION_TABLE,
} from '@cruddur/realtime';
import { leaseTableDefinition } from '@cruddur/stream-consumer';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const DEFAULT_LEASE_TABLE = 'cruddur-stream-leases';
/** How many receives before SQS moves a message to its dead-letter queue (docs/contracts.md). */
export const MAX_RECEIVE_COUNT = 5;

type AttributeType = 'S' | 'N' | 'B';
const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

/** The key of `KeyType` in a CreateTable input as a CDK attribute, typed from the table's own definitions. */
function keyAttribute(def: CreateTableCommandInput, name: string): dynamodb.Attribute {
  const type = def.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType as
    | AttributeType
    | undefined;
  if (!type) throw new Error(`${def.TableName}: no attribute definition for ${name}`);
  return { name, type: ATTRIBUTE_TYPES[type] };
}

function keyOf(def: CreateTableCommandInput, schema = def.KeySchema ?? []) {
  const hash = schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (!hash) throw new Error(`${def.TableName}: no hash key`);
  return {
    partitionKey: keyAttribute(def, hash),
    ...(range ? { sortKey: keyAttribute(def, range) } : {}),
  };
}

const STREAM_VIEW: Record<string, dynamodb.StreamViewType> = {
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
  KEYS_ONLY: dynamodb.StreamViewType.KEYS_ONLY,
};

/**
 * A production DynamoDB table from the same CreateTable input the scripts and tests use, so keys, indexes and
 * the stream cannot drift between DynamoDB Local and AWS. Adds what only matters on AWS: point-in-time
 * recovery, deletion protection, and RETAIN so a stack deletion never drops data.
 */
export function tableFromDefinition(
  scope: Construct,
  id: string,
  def: CreateTableCommandInput,
  timeToLiveAttribute?: string,
): dynamodb.Table {
  const view = def.StreamSpecification?.StreamEnabled
    ? STREAM_VIEW[def.StreamSpecification.StreamViewType ?? '']
    : undefined;
  const table = new dynamodb.Table(scope, id, {
    tableName: def.TableName,
    ...keyOf(def),
    billingMode:
      def.BillingMode === 'PAY_PER_REQUEST'
        ? dynamodb.BillingMode.PAY_PER_REQUEST
        : dynamodb.BillingMode.PROVISIONED,
    ...(view ? { stream: view } : {}),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(timeToLiveAttribute ? { timeToLiveAttribute } : {}),
  });
  for (const lsi of def.LocalSecondaryIndexes ?? []) {
    const { sortKey } = keyOf(def, lsi.KeySchema);
    if (!sortKey) throw new Error(`${def.TableName}/${lsi.IndexName}: a local index needs a sort key`);
    table.addLocalSecondaryIndex({
      indexName: lsi.IndexName!,
      sortKey,
      projectionType: lsi.Projection?.ProjectionType as dynamodb.ProjectionType,
    });
  }
  for (const gsi of def.GlobalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: gsi.IndexName!,
      ...keyOf(def, gsi.KeySchema),
      projectionType: gsi.Projection?.ProjectionType as dynamodb.ProjectionType,
    });
  }
  return table;
}

export interface QueueWithDlq {
  queue: sqs.Queue;
  dlq: sqs.Queue;
}

/** A work queue and its dead-letter queue: SSE, TLS only, 14 days in the DLQ for an operator to look at. */
export function queueWithDlq(
  scope: Construct,
  id: string,
  name: string,
  visibilityTimeout = Duration.seconds(30),
): QueueWithDlq {
  const dlq = new sqs.Queue(scope, `${id}Dlq`, {
    queueName: `${name}-dlq`,
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new sqs.Queue(scope, id, {
    queueName: name,
    visibilityTimeout,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  return { queue, dlq };
}

export interface MessagingDataProps {
  tableName?: string;
  leaseTableName?: string;
}

/** Everything that holds state: both tables, the queues with their DLQs, the topic and its durable queue. */
export class MessagingData extends Construct {
  readonly table: dynamodb.Table;
  readonly leaseTable: dynamodb.Table;
  /** The connection registry: which gateway replica holds whose streams, and each replica's queue. */
  readonly connectionTable: dynamodb.Table;
  readonly usersEvents: QueueWithDlq;
  readonly messageEvents: QueueWithDlq;
  readonly messageEventsTopic: sns.Topic;
  /** Records the stream consumer gave up on, with the reason; read by operators. */
  readonly streamDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: MessagingDataProps = {}) {
    super(scope, id);
    this.table = tableFromDefinition(
      this,
      'MessageTable',
      messageTableDefinition(props.tableName ?? DEFAULT_MESSAGE_TABLE),
      MESSAGE_TTL_ATTRIBUTE,
    );
    this.leaseTable = tableFromDefinition(
      this,
      'LeaseTable',
      leaseTableDefinition(props.leaseTableName ?? DEFAULT_LEASE_TABLE),
    );
    this.connectionTable = tableFromDefinition(
      this,
      'ConnectionTable',
      connectionTableDefinition(DEFAULT_CONNECTION_TABLE),
      CONNECTION_TTL_ATTRIBUTE,
    );

    this.usersEvents = queueWithDlq(this, 'UsersEvents', 'users-events');
    this.messageEvents = queueWithDlq(this, 'MessageEvents', 'message-events');
    this.streamDlq = new sqs.Queue(this, 'StreamDlq', {
      queueName: 'stream-dlq',
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.messageEventsTopic = new sns.Topic(this, 'MessageEventsTopic', {
      topicName: 'message-events',
      enforceSSL: true,
      // Encrypted at rest with the AWS-managed SNS key (no key to run); the subscribers use SQS-managed SSE,
      // which accepts SNS deliveries without a key policy.
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
    });
    this.messageEventsTopic.addSubscription(
      new subscriptions.SqsSubscription(this.messageEvents.queue, { rawMessageDelivery: true }),
    );
  }
}
