import { createApp, type ReadinessChecks, rejectInvalidUtf8 } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { requireServiceCredential, type ServiceAuthEnv, type ServiceVerifier } from '@cruddur/service-auth';
import type { Registry } from 'prom-client';
import type { FeedReader } from './data/feed-reader.ts';
import type { Blocks } from './domain/blocks.ts';
import type { MessageChanges } from './domain/changes.ts';
import type { DataExport } from './domain/export.ts';
import type { Groups } from './domain/groups.ts';
import type { MessageRequests } from './domain/message-requests.ts';
import type { Messaging } from './domain/messaging.ts';
import type { Reactions } from './domain/reactions.ts';
import { blockRoutes } from './routes/blocks.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { exportRoutes } from './routes/export.ts';
import { feedRoutes } from './routes/feed.ts';
import { groupRoutes } from './routes/groups.ts';
import { messageChangeRoutes } from './routes/message-changes.ts';
import { messageRequestRoutes } from './routes/message-requests.ts';
import { messageRoutes } from './routes/messages.ts';
import { reactionRoutes } from './routes/reactions.ts';
import { receiptRoutes } from './routes/receipts.ts';

export interface MessagingAppDeps {
  logger: Logger;
  messaging: Messaging;
  groups: Groups;
  changes: MessageChanges;
  blocks: Blocks;
  requests: MessageRequests;
  dataExport: DataExport;
  reactions: Reactions;
  /** Users' change feeds, for the gateway's replay on reconnect. */
  feed: FeedReader;
  /** Checks the gateway's assertion on every internal call. */
  verifier: ServiceVerifier;
  readiness?: ReadinessChecks;
  /** The service's registry: request metrics are recorded in it and it is served at /metrics. */
  metrics: Registry;
}

/** The messaging service's HTTP app: shared middleware from createApp (with /metrics), our routes, and /openapi.json. */
export function buildMessagingApp({
  logger,
  messaging,
  groups,
  changes,
  blocks,
  requests,
  dataExport,
  reactions,
  feed,
  verifier,
  readiness,
  metrics,
}: MessagingAppDeps) {
  const app = createApp<ServiceAuthEnv>({ logger, metrics, ...(readiness ? { readiness } : {}) });
  // Every route acts for a user, and only the gateway may say which one.
  app.use('/internal/*', requireServiceCredential(verifier, { callers: ['gateway'], user: 'required' }));
  app.use('/internal/*', rejectInvalidUtf8());
  app.route('/', conversationRoutes(messaging));
  app.route('/', messageRoutes(messaging));
  app.route('/', messageChangeRoutes(changes));
  app.route('/', reactionRoutes(reactions));
  app.route('/', receiptRoutes(messaging));
  app.route('/', groupRoutes(groups));
  app.route('/', blockRoutes(blocks));
  app.route('/', messageRequestRoutes(requests));
  app.route('/', exportRoutes(dataExport));
  app.route('/', feedRoutes(feed));
  app.doc('/openapi.json', {
    openapi: '3.0.0',
    info: {
      title: 'Cruddur messaging (internal)',
      version: '1.0.0',
      description:
        'Conversations and messages. Called by the gateway only: every /internal route needs `Authorization: Bearer <assertion>`, a short-lived assertion the gateway signs for the acting user (README, "Trust between services").',
    },
  });
  return app;
}
