import { createApp, type ReadinessChecks, rejectInvalidUtf8 } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { requireServiceCredential, type ServiceAuthEnv, type ServiceVerifier } from '@cruddur/service-auth';
import type { Registry } from 'prom-client';
import type { FeedReader } from './data/feed-reader.ts';
import type { MessageChanges } from './domain/changes.ts';
import type { Groups } from './domain/groups.ts';
import type { Messaging } from './domain/messaging.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { feedRoutes } from './routes/feed.ts';
import { groupRoutes } from './routes/groups.ts';
import { messageChangeRoutes } from './routes/message-changes.ts';
import { messageRoutes } from './routes/messages.ts';

export interface MessagingAppDeps {
  logger: Logger;
  messaging: Messaging;
  groups: Groups;
  changes: MessageChanges;
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
  app.route('/', groupRoutes(groups));
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
