import { createRouter } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env.ts';
import type { ConnectionTracker } from '../events/connections.ts';
import type { SseHub } from '../events/hub.ts';
import type { PresenceService } from '../events/presence.ts';
import type { TypingService } from '../events/typing.ts';
import type { MessagingClient } from '../upstream/messaging.ts';
import type { UsersClient } from '../upstream/users.ts';

/** A route group with the shared 422 answers and the gateway's typed variables. */
export function createGatewayRouter(): OpenAPIHono<GatewayEnv> {
  return createRouter<GatewayEnv>();
}

/** Per-route middleware, run before any body is read: auth first, then the caller's rate limit. */
export interface Guards {
  signedIn: MiddlewareHandler<GatewayEnv>[];
  /** Authenticates when a token is sent; the public user look-up of the reference needs none. */
  optional: MiddlewareHandler<GatewayEnv>[];
  /** Like signedIn, also accepting `?access_token=` for EventSource. */
  stream: MiddlewareHandler<GatewayEnv>[];
  json: MiddlewareHandler<GatewayEnv>;
}

export interface RouteDeps {
  users: UsersClient;
  messaging: MessagingClient;
  hub: SseHub;
  guards: Guards;
  heartbeatMs: number;
  /** Ends a deleted user's access on this replica at once: cached identities refused, streams closed. */
  revokeUser: (userUuid: string) => void;
  /** GROUP_MAX_MEMBERS: the most members a group may have besides its creator. */
  groupMaxMembers: number;
  /** Connection registry, presence and typing; absent in an app built without them (no presence or typing routes). */
  realtime?: Realtime | undefined;
  /** Replaying missed changes on reconnect: FEED_RETENTION_HOURS, FEED_REPLAY_OVERLAP_MS, FEED_REPLAY_MAX. */
  feed: FeedSettings;
  logger: Logger;
}

export interface Realtime {
  connections: ConnectionTracker;
  presence: PresenceService;
  typing: TypingService;
}

export interface FeedSettings {
  retentionHours: number;
  overlapMs: number;
  replayMax: number;
}
