import { INBOX_BY_ACTIVITY_INDEX, prefixes } from '@cruddur/ddb';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { MessagingData } from './data.ts';

/**
 * Least-privilege grants, one function per service, each naming its actions and resources. No `*` action,
 * no `*` resource on data. CDK's grantReadWriteData would also work, but it adds Scan, BatchWriteItem and
 * `index/*`: more than any service here uses. Where an action is listed, the code that needs it is named.
 */

const statement = (actions: string[], resources: string[]) => new iam.PolicyStatement({ actions, resources });

/** The table and its one index (Query on an index is authorized on the index ARN). */
function tableAndIndex(data: MessagingData): string[] {
  return [data.table.tableArn, `${data.table.tableArn}/index/${INBOX_BY_ACTIVITY_INDEX}`];
}

/** users: the outbox relay publishes to users-events. */
export function grantUsers(role: iam.IGrantable, data: MessagingData) {
  role.grantPrincipal.addToPrincipalPolicy(
    statement(['sqs:SendMessage', 'sqs:GetQueueAttributes'], [data.usersEvents.queue.queueArn]),
  );
}

/**
 * messaging: conversations and messages (transactions are authorized per item action), consumes users-events,
 * and sets poisoned user events aside in its dead-letter queue (USERS_EVENTS_DLQ_URL) with their reason.
 */
export function grantMessaging(role: iam.IGrantable, data: MessagingData) {
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      [
        'dynamodb:DescribeTable', // readiness
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem', // profile replica joins
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem', // TransactWriteItems conditions (pair lock, idempotency)
      ],
      tableAndIndex(data),
    ),
  );
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      [data.usersEvents.queue.queueArn],
    ),
  );
  // Poisoned events are set aside there; its depth is read for /metrics (dead_letter_queue_messages).
  role.grantPrincipal.addToPrincipalPolicy(
    statement(['sqs:SendMessage', 'sqs:GetQueueAttributes'], [data.usersEvents.dlq.queueArn]),
  );
}

/**
 * Defence in depth for user events: the users-events queue refuses sqs:SendMessage (SendMessageBatch included)
 * from every principal but the users service role, whatever identity policies say. A leaked credential, or a
 * too-wide grant to another role of the account, cannot forge a user event. Receiving is not affected.
 */
export function onlyUsersSendUserEvents(data: MessagingData, usersRole: iam.IRole) {
  data.usersEvents.queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheUsersServiceSendsUserEvents',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [data.usersEvents.queue.queueArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': usersRole.roleArn } },
    }),
  );
}

/** The name prefix of the per-replica queues the gateway creates at start and deletes at stop. */
export const GATEWAY_QUEUE_PREFIX = 'message-events-gw-';

/** The per-replica push queues, by name prefix. */
function replicaQueueArns(data: MessagingData): string {
  return Stack.of(data).formatArn({ service: 'sqs', resource: `${GATEWAY_QUEUE_PREFIX}*` });
}

/**
 * gateway: its own SSE queue (create, subscribe to the topic in broadcast mode, read, delete), sending typing and
 * presence pushes to the replica queues, and the connection registry (its entries, heartbeats, presence settings).
 */
export function grantGateway(role: iam.IGrantable, data: MessagingData) {
  const replicaQueues = replicaQueueArns(data);
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      [
        'sqs:CreateQueue',
        'sqs:DeleteQueue',
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes', // the queue policy that lets the topic deliver
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage', // typing and presence, to the replicas holding the recipients
      ],
      [replicaQueues],
    ),
  );
  role.grantPrincipal.addToPrincipalPolicy(
    // No sns:Publish: typing and presence go to replica queues; REALTIME_DELIVERY=broadcast is for comparing locally.
    statement(['sns:Subscribe', 'sns:Unsubscribe'], [data.messageEventsTopic.topicArn]),
  );
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      [data.connectionTable.tableArn],
    ),
  );
}

/**
 * What the record handler does wherever it runs: move inbox rows forward, log each event in its recipients' change
 * feeds (BatchWriteItem, allowed on `FEED#` partitions only), publish, dead-letter; BatchGetItem reads the settings
 * of a read position's audience (who sends read receipts); ConditionCheckItem is the delete fallback's transaction
 * (the row's update on condition that the message it falls back to is still as read).
 */
export function grantStreamRecordHandler(role: iam.IGrantable, data: MessagingData) {
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      tableAndIndex(data),
    ),
  );
  role.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:BatchWriteItem'], // FeedPublisher
      resources: [data.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefixes.feed}*`] } },
    }),
  );
  role.grantPrincipal.addToPrincipalPolicy(statement(['sns:Publish'], [data.messageEventsTopic.topicArn]));
  role.grantPrincipal.addToPrincipalPolicy(
    statement(['sqs:SendMessage', 'sqs:GetQueueAttributes'], [data.streamDlq.queueArn]),
  );
  // Targeted delivery: where the recipients are connected (read only: BatchGetItem, and GetItem of the REPLICAS
  // index for user.deleted, the event for every replica), and their replicas' queues.
  role.grantPrincipal.addToPrincipalPolicy(
    statement(['dynamodb:BatchGetItem', 'dynamodb:GetItem'], [data.connectionTable.tableArn]),
  );
  role.grantPrincipal.addToPrincipalPolicy(statement(['sqs:SendMessage'], [replicaQueueArns(data)]));
}

/** Reading the table's stream: the worker polls it itself; Lambda's event-source mapping uses the function role. */
export function grantStreamRead(role: iam.IGrantable, data: MessagingData) {
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      [data.table.tableStreamArn!],
    ),
  );
  role.grantPrincipal.addToPrincipalPolicy(statement(['dynamodb:DescribeTable'], [data.table.tableArn]));
  // ListStreams has no resource-level permission in IAM: it lists stream ARNs only (metadata, no data).
  role.grantPrincipal.addToPrincipalPolicy(statement(['dynamodb:ListStreams'], ['*']));
}

/** The container worker: the stream itself, plus its leases and checkpoints. */
export function grantStreamWorker(role: iam.IGrantable, data: MessagingData) {
  grantStreamRecordHandler(role, data);
  grantStreamRead(role, data);
  role.grantPrincipal.addToPrincipalPolicy(
    statement(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
      [data.leaseTable.tableArn],
    ),
  );
}
