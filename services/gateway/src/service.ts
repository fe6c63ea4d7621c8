import { randomBytes } from 'node:crypto';
import { createSnsClient, createSqsClient } from '@cruddur/aws';
import { isEventOfType } from '@cruddur/contracts';
import { createDocumentClient } from '@cruddur/ddb';
import {
  assembleService,
  createMetricsRegistry,
  createServiceClient,
  type RunningService,
  type ServiceClient,
  type ShutdownRegistry,
  startHttpServer,
} from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { ConnectionRegistry, createPushPublisher, ReplicaDirectory } from '@cruddur/realtime';
import { createServiceSigner } from '@cruddur/service-auth';
import { buildGatewayApp } from './app.ts';
import { IdentityResolver } from './auth/identity.ts';
import { createAccessTokenVerifier, LocalKeyRefusedError } from './auth/verifier.ts';
import { cognitoIssuer, type GatewayConfig } from './config.ts';
import { ConnectionTracker } from './events/connections.ts';
import { ContactBook } from './events/contacts.ts';
import { SseHub } from './events/hub.ts';
import { PresenceService } from './events/presence.ts';
import { ReplicaEventFeed } from './events/replica-feed.ts';
import { ReplicaReaper } from './events/replica-reaper.ts';
import { TypingService } from './events/typing.ts';
import { createMessagingClient } from './upstream/messaging.ts';
import { createUsersClient } from './upstream/users.ts';

/** stop() ends taking requests, ends every event stream, then removes this replica's queue. */
export interface RunningGateway extends RunningService {
  replicaId: string;
}

export interface StartGatewayOptions {
  logger?: Logger;
  /** Listen address; overrides HOST. */
  host?: string;
}

async function upstreamReady(client: ServiceClient) {
  const res = await client.request('/readyz');
  if (res.status !== 200) throw new Error(`readyz answered ${res.status}`);
}

/**
 * Builds and starts one gateway replica; main.ts and the tests both call this. Every long-running part
 * is registered with one shutdown registry, stopped newest first; a failed start stops what it started.
 */
export async function startGateway(
  config: GatewayConfig,
  { logger, host }: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const replicaId = config.GATEWAY_REPLICA_ID ?? randomBytes(6).toString('hex');
  return assembleService({ name: 'gateway', config, logger }, (shutdown, log) =>
    assemble(config, replicaId, log.child({ replica: replicaId }), shutdown, host),
  );
}

async function assemble(
  config: GatewayConfig,
  replicaId: string,
  log: Logger,
  shutdown: ShutdownRegistry,
  host: string | undefined,
): Promise<Omit<RunningGateway, 'stop'>> {
  const timeoutMs = config.UPSTREAM_TIMEOUT_MS;
  const signer = await createServiceSigner({
    privateKey: config.SERVICE_AUTH_PRIVATE_KEY,
    ttlSeconds: config.SERVICE_AUTH_TTL_SECONDS,
  });
  const usersHttp = createServiceClient({ baseUrl: config.USERS_URL, timeoutMs });
  const messagingHttp = createServiceClient({ baseUrl: config.MESSAGING_URL, timeoutMs });
  shutdown.register('upstream connections', async () => {
    usersHttp.close();
    messagingHttp.close();
  });
  const users = createUsersClient(usersHttp, signer);
  const messaging = createMessagingClient(messagingHttp, signer);
  const verifier = createAccessTokenVerifier({
    issuer: cognitoIssuer(config),
    clientId: config.COGNITO_CLIENT_ID,
    allowEmulatorKeys: config.AUTH_LOCAL_TRUST,
  });
  // Fetched while the replica queue is made and announced below (a start's steps in parallel, not one by one).
  const keySetChecked = verifier.ping().then(
    () => undefined,
    (err: unknown) => err,
  );
  const identities = new IdentityResolver(users, {
    ttlMs: config.IDENTITY_CACHE_TTL_MS,
    maxEntries: config.IDENTITY_CACHE_SIZE,
    unknownTtlMs: config.UNKNOWN_SUBJECT_TTL_MS,
  });
  const metrics = createMetricsRegistry('gateway');
  const hub = new SseHub({ maxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER, metrics });

  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sns = createSnsClient({
    region: config.AWS_REGION,
    endpoint: config.SNS_ENDPOINT ?? config.SQS_ENDPOINT,
  });
  shutdown.register('aws clients', async () => {
    sqs.destroy();
    sns.destroy();
  });
  const feed = new ReplicaEventFeed({
    sqs,
    sns,
    topicArn: config.MESSAGE_EVENTS_TOPIC_ARN,
    replicaId,
    logger: log,
    subscribe: config.REALTIME_DELIVERY === 'broadcast',
    onEvent: (event) => {
      // A deleted account, announced by the stream consumer to every replica: its access ends here too.
      if (isEventOfType(event, 'user.deleted')) {
        identities.revoke(event.payload.uuid);
        hub.disconnect(event.payload.uuid);
        return;
      }
      hub.publish(event);
    },
  });
  // Registered before it starts, so a half-made subscription is removed too.
  shutdown.register('replica event feed', () => feed.stop());
  // Consumed (and in broadcast subscribed) before serving, so no stream opened here misses a later event.
  await feed.start();

  const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
  shutdown.register('registry client', async () => ddb.destroy());
  const registry = new ConnectionRegistry({ ddb, table: config.DDB_CONNECTION_TABLE });
  const directory = new ReplicaDirectory({ registry, cacheMs: config.REPLICA_CACHE_MS });
  const publisher = createPushPublisher({
    mode: config.REALTIME_DELIVERY,
    sqs,
    sns,
    topicArn: config.MESSAGE_EVENTS_TOPIC_ARN,
    ddb,
    connectionTable: config.DDB_CONNECTION_TABLE,
    replicaCacheMs: config.REPLICA_CACHE_MS,
  });
  const presence = new PresenceService({
    registry,
    directory,
    publisher,
    contacts: new ContactBook({ messaging, ttlMs: config.CONTACTS_CACHE_TTL_MS }),
    logger: log,
  });
  const connections = new ConnectionTracker({
    registry,
    directory,
    replicaId,
    heartbeatMs: config.REPLICA_HEARTBEAT_MS,
    ttlMs: config.REPLICA_TTL_MS,
    logger: log,
    onOnline: (user) => presence.announce(user, true),
    onOffline: (user) => presence.announce(user, false),
    onLivenessLost: () => hub.endStreams(),
  });
  shutdown.register('connection registry', () => connections.stop());
  // Announced before serving where it can be (a stream registered here is routable from its first push); until
  // the announcement lands, /readyz stays red (see assertRoutable).
  await connections.start(feed.url);
  const reaper = new ReplicaReaper({
    registry,
    directory,
    replicaId,
    intervalMs: config.REPLICA_HEARTBEAT_MS,
    logger: log,
    onUserLost: (user, lastSeenAt) => presence.announceLost(user, lastSeenAt),
  });
  shutdown.register('replica reaper', () => reaper.stop());
  reaper.start();
  const typing = new TypingService({
    messaging,
    publisher,
    ttlMs: config.TYPING_TTL_MS,
    coalesceMs: config.TYPING_COALESCE_MS,
  });

  const app = buildGatewayApp({
    logger: log,
    verifier,
    identities,
    users,
    messaging,
    hub,
    realtime: { connections, presence, typing },
    corsOrigins: config.CORS_ORIGINS,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    rateLimit: {
      capacity: config.RATE_LIMIT_BURST,
      refillPerSecond: config.RATE_LIMIT_PER_SECOND,
      trustProxy: config.TRUST_PROXY,
    },
    authFailures: { capacity: config.AUTH_FAILURE_BURST, refillPerSecond: config.AUTH_FAILURE_PER_SECOND },
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    groupMaxMembers: config.GROUP_MAX_MEMBERS,
    feed: {
      retentionHours: config.FEED_RETENTION_HOURS,
      overlapMs: config.FEED_REPLAY_OVERLAP_MS,
      replayMax: config.FEED_REPLAY_MAX,
    },
    metrics,
    readiness: {
      users: () => upstreamReady(usersHttp),
      messaging: () => upstreamReady(messagingHttp),
      cognito: () => verifier.ping(),
      'connection registry': async () => connections.assertRoutable(),
    },
  });
  // Outside local trust, a key set holding the emulator's published key stops the start here; a key
  // set that cannot be fetched yet does not (readiness reports it until it can).
  const keySetError = await keySetChecked;
  if (keySetError instanceof LocalKeyRefusedError) throw keySetError;
  if (keySetError) log.warn({ err: keySetError }, 'Cognito key set not reachable yet');

  const server = await startHttpServer(app, { port: config.PORT, host: host ?? config.HOST, logger: log });
  // Stops accepting first (registered last); open event streams are ended next so browsers reconnect elsewhere.
  shutdown.register('http server', async () => {
    const closed = server.close();
    hub.closeAll();
    await closed;
  });

  return {
    url: server.url,
    port: server.port,
    replicaId,
  };
}
