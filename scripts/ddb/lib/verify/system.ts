import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSqsClient } from '@cruddur/aws';
import { createDocumentClient, DEFAULT_MESSAGE_TABLE } from '@cruddur/ddb';
import {
  type MessageEventState,
  type MessageEventVerification,
  verifyMessageEvents,
} from './message-events.ts';
import { type OutboxVerification, verifyOutbox } from './outbox.ts';
import { type QueueVerification, verifyQueues } from './queues.ts';
import { type TableVerification, verifyTable } from './table.ts';
import type { ExpectedMessage, Violation } from './violations.ts';

export interface SystemVerification {
  table: TableVerification;
  outbox?: OutboxVerification;
  queues?: QueueVerification;
  violations: Violation[];
}

/** Everything the fault-injection suite proves, in one call; each part is optional beyond the table. */
export async function verifySystem(options: {
  doc: DynamoDBDocumentClient;
  table: string;
  expected?: readonly ExpectedMessage[];
  textPrefix?: string;
  databaseUrl?: string;
  sqs?: SQSClient;
  notConsumed?: readonly string[];
  /** Only queues whose name starts with this (an AWS account holds other systems' queues too). */
  queuePrefix?: string;
}): Promise<SystemVerification> {
  const table = await verifyTable(options.doc, options.table, {
    ...(options.expected ? { expected: options.expected } : {}),
    ...(options.textPrefix ? { textPrefix: options.textPrefix } : {}),
  });
  const outbox = options.databaseUrl
    ? await verifyOutbox(options.databaseUrl, options.doc, options.table)
    : undefined;
  const queues = options.sqs
    ? await verifyQueues(options.sqs, {
        ...(options.notConsumed ? { notConsumed: options.notConsumed } : {}),
        ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
      })
    : undefined;
  return {
    table,
    ...(outbox ? { outbox } : {}),
    ...(queues ? { queues } : {}),
    violations: [...table.violations, ...(outbox?.violations ?? []), ...(queues?.violations ?? [])],
  };
}

/**
 * `verifySystem` against a running local system described by its env (what `startSystem` returns or
 * `.data/local.env` holds): builds and closes its own clients, so callers need no AWS SDK of their own.
 */
export async function verifyRunningSystem(
  env: Record<string, string>,
  options: {
    expected?: readonly ExpectedMessage[];
    textPrefix?: string;
    notConsumed?: readonly string[];
  } = {},
): Promise<SystemVerification> {
  const region = env.AWS_REGION ?? 'us-east-1';
  const doc = createDocumentClient({ region, endpoint: env.DDB_ENDPOINT });
  const sqs = createSqsClient({ region, endpoint: env.SQS_ENDPOINT });
  try {
    return await verifySystem({
      doc,
      table: env.DDB_MESSAGE_TABLE ?? DEFAULT_MESSAGE_TABLE,
      ...options,
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      sqs,
    });
  } finally {
    doc.destroy();
    sqs.destroy();
  }
}

/** `verifyMessageEvents` against a running local system's env (destructive: see there). */
export async function verifyRunningMessageEvents(
  env: Record<string, string>,
  expected: readonly ExpectedMessage[],
  state?: MessageEventState,
): Promise<MessageEventVerification> {
  if (!env.MESSAGE_EVENTS_QUEUE_URL) throw new Error('MESSAGE_EVENTS_QUEUE_URL is not set');
  const sqs = createSqsClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.SQS_ENDPOINT });
  try {
    return await verifyMessageEvents(sqs, {
      messageEventsUrl: env.MESSAGE_EVENTS_QUEUE_URL,
      ...(env.STREAM_DLQ_URL ? { streamDlqUrl: env.STREAM_DLQ_URL } : {}),
      expected,
      ...(state ? { state } : {}),
    });
  } finally {
    sqs.destroy();
  }
}
