import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@cruddur/aws';
import { createDocumentClient } from '@cruddur/ddb';
import { ShutdownRegistry, startHttpServer } from '@cruddur/http';
import { createLogger, type Logger } from '@cruddur/logger';
import { buildMessagingApp } from './app.ts';
import type { MessagingConfig } from './config.ts';
import { MessageStore } from './data/store.ts';
import { Messaging } from './domain/messaging.ts';
import { ProfileReplica } from './profiles/replica.ts';

export { buildMessagingApp } from './app.ts';
export { type MessagingConfig, messagingConfigSchema } from './config.ts';
export type * from './data/items.ts';
export * from './data/requests.ts';
export { MessageStore, type ProfileRow } from './data/store.ts';
export {
  type ConversationView,
  type MessageView,
  Messaging,
  type Page,
  type UserShort,
} from './domain/messaging.ts';
export { applyProfileEvent, ProfileReplica } from './profiles/replica.ts';
export { checkMessage, MAX_MESSAGE_CHARS } from './validation.ts';

export interface StartMessagingOptions {
  logger?: Logger;
  /** Injected clock, for tests that need many messages in one millisecond. */
  clock?: () => Date;
  /** Listen address; tests and the in-process local system use 127.0.0.1. */
  host?: string;
  /** Long-poll wait of the users-events consumer; short in tests so stop() is quick. */
  usersEventsWaitSeconds?: number;
}

export interface RunningMessagingService {
  url: string;
  port: number;
  messaging: Messaging;
  store: MessageStore;
  stop(): Promise<void>;
}

/**
 * Starts the whole messaging service in this process: HTTP API plus the users-events consumer that
 * feeds the profile replica. main.ts, the local `scripts/up` and other teams' end-to-end tests all use it.
 */
export async function startMessagingService(
  config: MessagingConfig,
  options: StartMessagingOptions = {},
): Promise<RunningMessagingService> {
  const logger =
    options.logger ?? createLogger({ name: 'messaging', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

  const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
  shutdown.register('dynamodb client', async () => ddb.destroy());
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  shutdown.register('sqs client', async () => sqs.destroy());

  const store = new MessageStore(ddb, config.DDB_MESSAGE_TABLE);
  const messaging = new Messaging({ store, logger, ...(options.clock ? { clock: options.clock } : {}) });

  const replica = new ProfileReplica({
    store,
    sqs,
    queueUrl: config.USERS_EVENTS_QUEUE_URL,
    logger,
    ...(options.usersEventsWaitSeconds !== undefined
      ? { waitTimeSeconds: options.usersEventsWaitSeconds }
      : {}),
  });
  await replica.start();
  shutdown.register('users-events consumer', () => replica.stop());

  const app = buildMessagingApp({
    logger,
    messaging,
    readiness: {
      dynamodb: () => ddb.send(new DescribeTableCommand({ TableName: config.DDB_MESSAGE_TABLE })),
      'users-events queue': () =>
        sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: config.USERS_EVENTS_QUEUE_URL,
            AttributeNames: ['QueueArn'],
          }),
        ),
    },
  });
  const server = await startHttpServer(app, {
    port: config.PORT,
    logger,
    ...(options.host ? { host: options.host } : {}),
  });
  shutdown.register('http server', () => server.close());

  return {
    url: server.url,
    port: server.port,
    messaging,
    store,
    stop: () => shutdown.shutdown('stop'),
  };
}
