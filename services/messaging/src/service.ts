import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient, registerDeadLetterDepth } from '@cruddur/aws';
import { createDocumentClient } from '@cruddur/ddb';
import {
  assembleService,
  createMetricsRegistry,
  createServiceClient,
  type RunningService,
  type ShutdownRegistry,
  serveHttp,
} from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { createServiceSigner, createServiceVerifier } from '@cruddur/service-auth';
import { buildMessagingApp } from './app.ts';
import type { MessagingConfig } from './config.ts';
import { FeedReader } from './data/feed-reader.ts';
import { ProfileCache } from './data/profile-cache.ts';
import { MessageStore } from './data/store.ts';
import { MessageChanges } from './domain/changes.ts';
import { Groups } from './domain/groups.ts';
import { Messaging } from './domain/messaging.ts';
import { ProfileReplica } from './profiles/replica.ts';
import { usersServiceProfiles } from './profiles/source.ts';

export interface StartMessagingOptions {
  logger?: Logger;
  /** Injected clock, for tests that need many messages in one millisecond. */
  clock?: () => Date;
  /** Listen address; overrides HOST. */
  host?: string;
  /** Long-poll wait of the users-events consumer; short in tests so stop() is quick. */
  usersEventsWaitSeconds?: number;
}

export interface RunningMessagingService extends RunningService {
  messaging: Messaging;
  groups: Groups;
  changes: MessageChanges;
  store: MessageStore;
}

/**
 * Starts the whole messaging service in this process: HTTP API plus the users-events consumer that
 * feeds the profile replica. main.ts, the local `scripts/up` and other teams' end-to-end tests all use it.
 */
export async function startMessagingService(
  config: MessagingConfig,
  options: StartMessagingOptions = {},
): Promise<RunningMessagingService> {
  return assembleService({ name: 'messaging', config, logger: options.logger }, (shutdown, logger) =>
    assemble(config, options, logger, shutdown),
  );
}

async function assemble(
  config: MessagingConfig,
  options: StartMessagingOptions,
  logger: Logger,
  shutdown: ShutdownRegistry,
): Promise<Omit<RunningMessagingService, 'stop'>> {
  const signer = await createServiceSigner({
    privateKey: config.SERVICE_AUTH_PRIVATE_KEY,
    ttlSeconds: config.SERVICE_AUTH_TTL_SECONDS,
  });
  const verifier = createServiceVerifier({
    audience: 'messaging',
    publicKeys: config.SERVICE_AUTH_PUBLIC_KEYS,
  });
  const users = createServiceClient({ baseUrl: config.USERS_URL, timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  shutdown.register('users service connections', async () => users.close());

  const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
  shutdown.register('dynamodb client', async () => ddb.destroy());
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  shutdown.register('sqs client', async () => sqs.destroy());

  const profiles =
    config.PROFILE_CACHE_TTL_MS > 0
      ? new ProfileCache({ ttlMs: config.PROFILE_CACHE_TTL_MS, maxEntries: config.PROFILE_CACHE_SIZE })
      : undefined;
  const store = new MessageStore(ddb, config.DDB_MESSAGE_TABLE, profiles);
  const messaging = new Messaging({ store, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const groups = new Groups({
    store,
    drafts: messaging.drafts,
    membership: messaging.membership,
    maxMembers: config.GROUP_MAX_MEMBERS,
  });
  const changes = new MessageChanges({
    store,
    drafts: messaging.drafts,
    membership: messaging.membership,
    editWindowMinutes: config.MESSAGE_EDIT_WINDOW_MINUTES,
  });

  const replica = new ProfileReplica({
    store,
    source: usersServiceProfiles(users, signer),
    sqs,
    queueUrl: config.USERS_EVENTS_QUEUE_URL,
    deadLetterQueueUrl: config.USERS_EVENTS_DLQ_URL,
    logger,
    ...(options.usersEventsWaitSeconds !== undefined
      ? { waitTimeSeconds: options.usersEventsWaitSeconds }
      : {}),
  });
  await replica.start();
  shutdown.register('users-events consumer', () => replica.stop());

  const metrics = createMetricsRegistry('messaging');
  // Poisoned user events wait there for an operator; its depth is what to alert on.
  if (config.USERS_EVENTS_DLQ_URL) {
    registerDeadLetterDepth({
      sqs,
      queues: { 'users-events-dlq': config.USERS_EVENTS_DLQ_URL },
      registry: metrics,
    });
  }
  const app = buildMessagingApp({
    logger,
    messaging,
    groups,
    changes,
    feed: new FeedReader(ddb, config.DDB_MESSAGE_TABLE),
    verifier,
    metrics,
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
  const { url, port } = await serveHttp(shutdown, app, {
    port: config.PORT,
    host: options.host ?? config.HOST,
    logger,
  });
  return {
    url,
    port,
    messaging,
    groups,
    changes,
    store,
  };
}
