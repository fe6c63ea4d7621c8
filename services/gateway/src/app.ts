import { createApp, type ReadinessChecks } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import type { IdentityResolver } from './auth/identity.ts';
import { authenticate } from './auth/middleware.ts';
import type { AccessTokenVerifier } from './auth/verifier.ts';
import type { GatewayEnv } from './env.ts';
import type { SseHub } from './events/hub.ts';
import { corsForOrigins } from './middleware/cors.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requireJson } from './middleware/require-json.ts';
import { TokenBuckets } from './middleware/token-bucket.ts';
import { accountRoutes } from './routes/account.ts';
import { blockRoutes } from './routes/blocks.ts';
import { mountDocs } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { groupRoutes } from './routes/groups.ts';
import { messageChangeRoutes } from './routes/message-changes.ts';
import { messageGroupRoutes } from './routes/message-groups.ts';
import { messageRequestRoutes } from './routes/message-requests.ts';
import { messageRoutes } from './routes/messages.ts';
import { presenceRoutes } from './routes/presence.ts';
import { reactionRoutes } from './routes/reactions.ts';
import { receiptRoutes } from './routes/receipts.ts';
import type { FeedSettings, Guards, Realtime, RouteDeps } from './routes/router.ts';
import { typingRoutes } from './routes/typing.ts';
import { userRoutes } from './routes/users.ts';
import type { MessagingClient } from './upstream/messaging.ts';
import type { UsersClient } from './upstream/users.ts';

export interface GatewayAppDeps {
  logger: Logger;
  verifier: AccessTokenVerifier;
  identities: IdentityResolver;
  users: UsersClient;
  messaging: MessagingClient;
  hub: SseHub;
  corsOrigins: readonly string[];
  bodyLimitBytes: number;
  rateLimit: { capacity: number; refillPerSecond: number; trustProxy?: boolean };
  /** Failed sign-ins per client address. */
  authFailures: { capacity: number; refillPerSecond: number };
  heartbeatMs: number;
  /** GROUP_MAX_MEMBERS. */
  groupMaxMembers: number;
  feed: FeedSettings;
  readiness?: ReadinessChecks;
  realtime?: Realtime;
  /** The replica's registry: request metrics are recorded in it and it is served at /metrics. */
  metrics: Registry;
}

/** The whole public API as one Hono app; startGateway serves it, tests may call app.request(). */
export function buildGatewayApp(deps: GatewayAppDeps): OpenAPIHono<GatewayEnv> {
  // The gateway's env adds the optional `caller`, set by its auth middleware.
  const app = createApp<GatewayEnv>({
    logger: deps.logger,
    readiness: deps.readiness ?? {},
    bodyLimitBytes: deps.bodyLimitBytes,
    metrics: deps.metrics,
  });

  app.use('/api/*', corsForOrigins(deps.corsOrigins));

  const { verifier, identities, logger } = deps;
  const limit = rateLimit(deps.rateLimit);
  // One failure budget per address across every route, so a guesser cannot spread attempts over routes.
  const auth = {
    verifier,
    identities,
    logger,
    failures: new TokenBuckets(deps.authFailures),
    trustProxy: deps.rateLimit.trustProxy ?? false,
  };
  const guards: Guards = {
    signedIn: [authenticate({ ...auth, required: true }), limit],
    optional: [authenticate({ ...auth, required: false }), limit],
    stream: [authenticate({ ...auth, required: true, allowQueryToken: true }), limit],
    json: requireJson(),
  };
  const routeDeps: RouteDeps = {
    users: deps.users,
    messaging: deps.messaging,
    hub: deps.hub,
    revokeUser: (userUuid) => {
      deps.identities.revoke(userUuid);
      deps.hub.disconnect(userUuid);
    },
    guards,
    heartbeatMs: deps.heartbeatMs,
    groupMaxMembers: deps.groupMaxMembers,
    realtime: deps.realtime,
    feed: deps.feed,
    logger,
  };
  app.route('/', messageGroupRoutes(routeDeps));
  app.route('/', groupRoutes(routeDeps));
  app.route('/', messageRoutes(routeDeps));
  app.route('/', messageChangeRoutes(routeDeps));
  app.route('/', reactionRoutes(routeDeps));
  app.route('/', receiptRoutes(routeDeps));
  app.route('/', userRoutes(routeDeps));
  app.route('/', blockRoutes(routeDeps));
  app.route('/', accountRoutes(routeDeps));
  app.route('/', messageRequestRoutes(routeDeps));
  app.route('/', eventRoutes(routeDeps));
  if (deps.realtime) {
    app.route('/', typingRoutes(routeDeps, deps.realtime.typing));
    app.route('/', presenceRoutes(routeDeps, deps.realtime.presence));
  }
  mountDocs(app);
  return app;
}
