import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '@cruddur/config';
import { messageItem as buildMessageItem, inboxItem, type MessageItem, type NewMessage } from '@cruddur/ddb';
import type { LocalStackEndpoints } from '@cruddur/local-stack';
import {
  leaseTableDefinition,
  type StreamConsumerConfig,
  streamConsumerConfigSchema,
} from '@cruddur/stream-consumer';

/** Test-speed settings: short leases and polls so takeovers and recoveries happen in a second or two. */
export function testConfig(
  stack: LocalStackEndpoints,
  values: { table: string; leaseTable: string; topicArn: string; dlqUrl: string } & Record<string, string>,
): StreamConsumerConfig {
  const { table, leaseTable, topicArn, dlqUrl, ...rest } = values;
  return loadConfig(streamConsumerConfigSchema, {
    LOG_LEVEL: 'warn',
    AWS_REGION: 'us-east-1',
    DDB_ENDPOINT: stack.dynamodbEndpoint,
    SQS_ENDPOINT: stack.sqsEndpoint,
    SNS_ENDPOINT: stack.sqsEndpoint,
    PORT: '0',
    DDB_MESSAGE_TABLE: table,
    DDB_LEASE_TABLE: leaseTable,
    MESSAGE_EVENTS_TOPIC_ARN: topicArn,
    // These tests read the events off the topic; targeted delivery has no gateway to send to here.
    REALTIME_DELIVERY: 'broadcast',
    STREAM_DLQ_URL: dlqUrl,
    WORKER_ID: `w-${randomUUID().slice(0, 8)}`,
    LEASE_DURATION_MS: '1500',
    TAKE_INTERVAL_MS: '300',
    SHARD_SYNC_INTERVAL_MS: '500',
    POLL_INTERVAL_MS: '50',
    RETRY_BASE_MS: '10',
    MAX_RECORD_ATTEMPTS: '3',
    ...rest,
  });
}

export async function createLeaseTable(
  endpoint: string,
  name: string,
): Promise<{ name: string; drop(): Promise<void> }> {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint });
  await client.send(new CreateTableCommand(leaseTableDefinition(name)));
  return {
    name,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      client.destroy();
    },
  };
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** Strictly increasing message times, so "newer" is never a tie inside a test. */
export function nextTimestamp(): string {
  clock = Math.max(clock + 1, Date.now());
  return new Date(clock).toISOString();
}

export interface Conversation {
  group: string;
  a: string;
  b: string;
}

/** A message item as the messaging service writes it (its builder), at a strictly increasing time by default. */
export function messageItem(
  conversation: Conversation,
  sender: string,
  text: string,
  createdAt = nextTimestamp(),
): MessageItem {
  return buildMessageItem(newMessage(conversation, sender, text, createdAt));
}

function newMessage(conversation: Conversation, sender: string, text: string, createdAt: string): NewMessage {
  return {
    groupUuid: conversation.group,
    messageUuid: randomUUID(),
    senderUuid: sender,
    text,
    createdAt,
    members: [conversation.a, conversation.b],
  };
}

/** What the messaging service does to start a conversation: the first message and both inbox rows, atomically. */
export async function startConversation(ddb: DynamoDBDocumentClient, table: string, text = 'hello') {
  const conversation: Conversation = { group: randomUUID(), a: randomUUID(), b: randomUUID() };
  const sent = newMessage(conversation, conversation.a, text, nextTimestamp());
  const first = buildMessageItem(sent);
  // Unlike the service, no read mark on the sender's row: the stream consumer's tests start from unread counts only.
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: first } },
        { Put: { TableName: table, Item: inboxItem(conversation.a, conversation.b, sent, 0) } },
        { Put: { TableName: table, Item: inboxItem(conversation.b, conversation.a, sent, 1) } },
      ],
    }),
  );
  return { conversation, first };
}

/** What the messaging service does for every later message: the message item only. */
export async function sendMessage(
  ddb: DynamoDBDocumentClient,
  table: string,
  conversation: Conversation,
  sender: string,
  text: string,
  createdAt?: string,
) {
  const item = messageItem(conversation, sender, text, createdAt);
  await ddb.send(new PutCommand({ TableName: table, Item: item }));
  return item;
}

/** Drains what is on a queue now (and whatever arrives while draining), deleting it. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((m) => m.Body ?? ''));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

export interface TestWorld {
  table: string;
  leaseTable: string;
  topicArn: string;
  eventsUrl: string;
  dlqUrl: string;
  ddb: DynamoDBDocumentClient;
  sqs: SQSClient;
  config(extra?: Record<string, string>): StreamConsumerConfig;
  /** Registers a teardown step; `dispose()` runs them newest first. */
  defer(step: () => Promise<unknown>): void;
  dispose(): Promise<void>;
}

/** A messages table, a lease table, the events topic with a queue on it and a stream DLQ, all uniquely named. */
export async function createWorld(stack: LocalStackEndpoints): Promise<TestWorld> {
  const { createTestQueue, createTestTable, createTestTopic, documentClient, sqsClient, uniqueName } =
    await import('@cruddur/test-kit');
  const steps: (() => Promise<unknown>)[] = [];
  const [table, topic, events, dlq, leases] = await Promise.all([
    createTestTable(stack),
    createTestTopic(stack),
    createTestQueue(stack, { prefix: 'events' }),
    createTestQueue(stack, { prefix: 'stream-dlq' }),
    createLeaseTable(stack.dynamodbEndpoint, uniqueName('leases')),
  ]);
  steps.push(table.drop, topic.drop, events.drop, dlq.drop, leases.drop);
  await topic.subscribe(events.arn);
  const ddb = documentClient(stack);
  const sqs = sqsClient(stack);
  steps.push(async () => {
    ddb.destroy();
    sqs.destroy();
  });
  return {
    table: table.name,
    leaseTable: leases.name,
    topicArn: topic.arn,
    eventsUrl: events.url,
    dlqUrl: dlq.url,
    ddb,
    sqs,
    config: (extra = {}) =>
      testConfig(stack, {
        table: table.name,
        leaseTable: leases.name,
        topicArn: topic.arn,
        dlqUrl: dlq.url,
        ...extra,
      }),
    defer: (step) => steps.push(step),
    dispose: async () => {
      for (const step of steps.reverse()) await step().catch(() => undefined);
    },
  };
}
