import { createApp, type ReadinessChecks } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { Messaging } from './domain/messaging.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { messageRoutes } from './routes/messages.ts';

export interface MessagingAppDeps {
  logger: Logger;
  messaging: Messaging;
  readiness?: ReadinessChecks;
}

/** The messaging service's HTTP app: shared middleware from createApp, our routes, and /openapi.json. */
export function buildMessagingApp({ logger, messaging, readiness }: MessagingAppDeps) {
  const app = createApp({ logger, ...(readiness ? { readiness } : {}) });
  app.route('/', conversationRoutes(messaging));
  app.route('/', messageRoutes(messaging));
  app.doc('/openapi.json', {
    openapi: '3.0.0',
    info: {
      title: 'Cruddur messaging (internal)',
      version: '1.0.0',
      description:
        'Conversations and messages. Called by the gateway only, which authenticates and passes the caller as user_uuid.',
    },
  });
  return app;
}
