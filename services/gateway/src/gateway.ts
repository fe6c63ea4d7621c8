import { randomBytes } from 'node:crypto';
import { createSnsClient, createSqsClient } from '@cruddur/aws';
import { createServiceClient, type ServiceClient, startHttpServer } from '@cruddur/http';
import { createLogger, type Logger } from '@cruddur/logger';
import { buildGatewayApp } from './app.ts';
import { IdentityResolver } from './auth/identity.ts';
import { createAccessTokenVerifier } from './auth/verifier.ts';
import { cognitoIssuer, type GatewayConfig } from './config.ts';
import { SseHub } from './events/hub.ts';
import { ReplicaEventFeed } from './events/replica-feed.ts';
import { createMessagingClient } from './upstream/messaging.ts';
import { createUsersClient } from './upstream/users.ts';

export interface RunningGateway {
  url: string;
  port: number;
  replicaId: string;
  /** Stops taking requests, ends every event stream, then removes this replica's queue. */
  stop(): Promise<void>;
}

async function upstreamReady(client: ServiceClient) {
  const res = await client.request('/readyz');
  if (res.status !== 200) throw new Error(`readyz answered ${res.status}`);
}

/** Builds and starts one gateway replica; main.ts and the tests both call this. */
export async function startGateway(
  config: GatewayConfig,
  { logger = createLogger({ name: 'gateway', level: config.LOG_LEVEL }) }: { logger?: Logger } = {},
): Promise<RunningGateway> {
  const replicaId = config.GATEWAY_REPLICA_ID ?? randomBytes(6).toString('hex');
  const log = logger.child({ replica: replicaId });
  const timeoutMs = config.UPSTREAM_TIMEOUT_MS;
  const usersHttp = createServiceClient({ baseUrl: config.USERS_URL, timeoutMs });
  const messagingHttp = createServiceClient({ baseUrl: config.MESSAGING_URL, timeoutMs });
  const users = createUsersClient(usersHttp);
  const messaging = createMessagingClient(messagingHttp);
  const verifier = createAccessTokenVerifier({
    issuer: cognitoIssuer(config),
    clientId: config.COGNITO_CLIENT_ID,
  });
  const identities = new IdentityResolver(users, {
    ttlMs: config.IDENTITY_CACHE_TTL_MS,
    maxEntries: config.IDENTITY_CACHE_SIZE,
  });
  const hub = new SseHub({ maxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER });

  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sns = createSnsClient({
    region: config.AWS_REGION,
    endpoint: config.SNS_ENDPOINT ?? config.SQS_ENDPOINT,
  });
  const feed = new ReplicaEventFeed({
    sqs,
    sns,
    topicArn: config.MESSAGE_EVENTS_TOPIC_ARN,
    replicaId,
    logger: log,
    onEvent: (event) => {
      hub.publish(event);
    },
  });
  const releaseClients = () => {
    sqs.destroy();
    sns.destroy();
  };
  // Subscribed before serving, so no stream opened on this replica can miss an event published after.
  try {
    await feed.start();
  } catch (err) {
    await feed.stop();
    releaseClients();
    throw err;
  }

  const app = buildGatewayApp({
    logger: log,
    verifier,
    identities,
    users,
    messaging,
    hub,
    corsOrigins: config.CORS_ORIGINS,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    rateLimit: {
      capacity: config.RATE_LIMIT_BURST,
      refillPerSecond: config.RATE_LIMIT_PER_SECOND,
      trustProxy: config.TRUST_PROXY,
    },
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    readiness: {
      users: () => upstreamReady(usersHttp),
      messaging: () => upstreamReady(messagingHttp),
      cognito: () => verifier.ping(),
    },
  });

  let server: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    server = await startHttpServer(app, { port: config.PORT, logger: log });
  } catch (err) {
    await feed.stop();
    releaseClients();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    const closed = server.close();
    // Open event streams would hold the server open forever; ending them lets browsers reconnect elsewhere.
    hub.closeAll();
    await closed;
    await feed.stop();
    releaseClients();
  };
  return {
    url: server.url,
    port: server.port,
    replicaId,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
