import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EventPublisher } from '@cruddur/aws';
import { loadConfig } from '@cruddur/config';
import { type GatewayConfig, gatewayConfigSchema, type RunningGateway, startGateway } from '@cruddur/gateway';
import { silentLogger } from '@cruddur/logger';
import { messagingConfigSchema, startMessagingService } from '@cruddur/messaging';
import { connectionTableDefinition, createPushPublisher, type DeliveryMode } from '@cruddur/realtime';
import {
  leaseTableDefinition,
  startStreamConsumer,
  streamConsumerConfigSchema,
} from '@cruddur/stream-consumer';
import {
  createTestDatabase,
  createTestQueue,
  createTestServiceKeys,
  createTestTable,
  createTestTopic,
  createTestUserPool,
  documentClient,
  dynamoClient,
  localAwsEnv,
  snsClient,
  sqsClient,
  type TestServiceKeys,
  type TestUserPool,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { startUsersService, usersConfigSchema } from '@cruddur/users';
import { captureLogger } from './capture-logger.ts';
import { cognitoClient, createCognitoUser } from './cognito.ts';
import { type EventStreamClient, openEventStream } from './sse.ts';

export interface TestUser {
  uuid: string;
  handle: string;
  display_name: string;
  sub: string;
  accessToken: string;
  idToken: string;
}

export interface E2eSystem {
  pool: TestUserPool;
  topicArn: string;
  usersUrl: string;
  messagingUrl: string;
  /** The stream consumer's HTTP server (/healthz, /readyz, /metrics). */
  streamConsumerUrl: string;
  gatewayConfig: GatewayConfig;
  /** The environment gateway replicas get, to start one as its own process (and kill it with -9). */
  gatewayEnv: Record<string, string>;
  /** The signing keys the services trust, to call users and messaging directly as one of them. */
  keys: TestServiceKeys;
  /** The messages table of this system. */
  tableName: string;
  /** The connection registry of this system (users to gateway replicas). */
  connectionTable: string;
  /** Publishes pushes as the stream consumer does, in this system's delivery mode. */
  pushPublisher: EventPublisher;
  /** What the users and messaging services logged, to follow a request id across the hop. */
  logs: { users: Record<string, unknown>[]; messaging: Record<string, unknown>[] };
  /** Starts one more gateway replica on the same services (env overrides on top of the default config). */
  startGateway(overrides?: Record<string, string>): Promise<RunningGateway>;
  /** A Cognito user in the test pool, registered in the users service, signed in. */
  createUser(handle: string): Promise<TestUser>;
  /** `createUser` for each handle, at once, in their order. */
  createUsers<Handles extends string[]>(...handles: Handles): Promise<{ [K in keyof Handles]: TestUser }>;
  /**
   * The user's event stream on a gateway replica (`query` appended to /api/events, as `?last_event_id=…`), once it
   * answered 200 and sent `ready`; closed by `stop`.
   */
  connect(via: RunningGateway, user: TestUser, query?: string): Promise<EventStreamClient>;
  /**
   * Waits until messaging's profile replica (fed by users-events) has each user, as it would for anyone who did
   * not sign up a moment ago: threads and lists show names from it.
   */
  waitForProfiles(users: readonly { uuid: string; handle: string }[]): Promise<void>;
  stop(): Promise<void>;
}

export interface E2eSystemOptions {
  /** GROUP_MAX_MEMBERS for messaging and every gateway replica (their default otherwise). */
  groupMaxMembers?: number;
  /** MESSAGE_RETENTION_DAYS for messaging (off otherwise). */
  messageRetentionDays?: number;
  /** REALTIME_DELIVERY for the stream consumer and every gateway (default: targeted). */
  delivery?: DeliveryMode;
}

/**
 * The real system for one test file, in this process: its own database, table, queues, topic and user
 * pool on the shared local stack; the users, messaging and stream-consumer services through their own
 * start functions; and gateway replicas on top.
 */
export async function startE2eSystem(options: E2eSystemOptions = {}): Promise<E2eSystem> {
  const stack = testStack();
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const [db, usersQueue, table, topic, streamDlq, pool, keys] = await Promise.all([
      createTestDatabase(stack, 'gw'),
      createTestQueue(stack, { prefix: 'gw-users' }),
      createTestTable(stack, 'gw-messages'),
      createTestTopic(stack, 'gw-events'),
      createTestQueue(stack, { prefix: 'gw-stream-dlq' }),
      createTestUserPool(stack),
      createTestServiceKeys(),
    ]);
    cleanups.push(db.drop, usersQueue.drop, table.drop, topic.drop, streamDlq.drop);
    const leaseTable = uniqueName('gw-leases');
    const ddb = dynamoClient(stack);
    const connectionTable = uniqueName('gw-connections');
    await ddb.send(new CreateTableCommand(leaseTableDefinition(leaseTable)));
    await ddb.send(new CreateTableCommand(connectionTableDefinition(connectionTable)));
    cleanups.push(async () => {
      await ddb.send(new DeleteTableCommand({ TableName: leaseTable }));
      await ddb.send(new DeleteTableCommand({ TableName: connectionTable }));
      ddb.destroy();
    });

    const common = {
      LOG_LEVEL: 'silent',
      AWS_REGION: 'us-east-1',
      DDB_ENDPOINT: stack.dynamodbEndpoint,
      SQS_ENDPOINT: stack.sqsEndpoint,
      SNS_ENDPOINT: stack.sqsEndpoint,
      PORT: '0',
      DDB_CONNECTION_TABLE: connectionTable,
      REALTIME_DELIVERY: options.delivery ?? 'targeted',
    };
    const groupLimit: Record<string, string> =
      options.groupMaxMembers === undefined ? {} : { GROUP_MAX_MEMBERS: String(options.groupMaxMembers) };

    const usersLog = captureLogger();
    const messagingLog = captureLogger();
    const users = await startUsersService(
      loadConfig(usersConfigSchema, {
        ...common,
        DATABASE_URL: db.url,
        USERS_EVENTS_QUEUE_URL: usersQueue.url,
        OUTBOX_POLL_INTERVAL_MS: '50',
        SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
      }),
      { logger: usersLog.logger, migrate: true },
    );
    cleanups.push(() => users.stop());
    const messaging = await startMessagingService(
      loadConfig(messagingConfigSchema, {
        ...common,
        DDB_MESSAGE_TABLE: table.name,
        USERS_EVENTS_QUEUE_URL: usersQueue.url,
        // As deployed: poisoned events go to the queue's own dead-letter queue.
        USERS_EVENTS_DLQ_URL: usersQueue.dlqUrl,
        USERS_URL: users.url,
        SERVICE_AUTH_PRIVATE_KEY: keys.privateKeyJson('messaging'),
        SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
        ...groupLimit,
        ...(options.messageRetentionDays === undefined
          ? {}
          : { MESSAGE_RETENTION_DAYS: String(options.messageRetentionDays) }),
      }),
      { logger: messagingLog.logger, usersEventsWaitSeconds: 1 },
    );
    cleanups.push(() => messaging.stop());
    const consumer = await startStreamConsumer(
      loadConfig(streamConsumerConfigSchema, {
        ...common,
        DDB_MESSAGE_TABLE: table.name,
        DDB_LEASE_TABLE: leaseTable,
        MESSAGE_EVENTS_TOPIC_ARN: topic.arn,
        STREAM_DLQ_URL: streamDlq.url,
        WORKER_ID: uniqueName('gw-worker'),
        POLL_INTERVAL_MS: '50',
        TAKE_INTERVAL_MS: '200',
        SHARD_SYNC_INTERVAL_MS: '500',
      }),
      { logger: silentLogger },
    );
    cleanups.push(() => consumer.stop());

    const gatewayEnv: Record<string, string> = {
      // A replica started as a process has no test-kit defaults: the local stack's credentials.
      ...localAwsEnv(),
      ...common,
      USERS_URL: users.url,
      MESSAGING_URL: messaging.url,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_ISSUER: pool.issuer,
      CORS_ORIGINS: 'http://localhost:3000',
      MESSAGE_EVENTS_TOPIC_ARN: topic.arn,
      // The test pool is the Cognito emulator's: an http issuer and its published key.
      AUTH_LOCAL_TRUST: 'true',
      SERVICE_AUTH_PRIVATE_KEY: keys.privateKeyJson('gateway'),
      ...groupLimit,
    };
    const gatewayConfig = loadConfig(gatewayConfigSchema, gatewayEnv);

    const [pushDdb, pushSqs, pushSns] = [documentClient(stack), sqsClient(stack), snsClient(stack)];
    cleanups.push(async () => {
      pushDdb.destroy();
      pushSqs.destroy();
      pushSns.destroy();
    });
    const pushPublisher = createPushPublisher({
      mode: options.delivery ?? 'targeted',
      sqs: pushSqs,
      sns: pushSns,
      topicArn: topic.arn,
      ddb: pushDdb,
      connectionTable,
    });

    const cognito = cognitoClient(pool);
    cleanups.push(async () => cognito.destroy());

    const system: E2eSystem = {
      pool,
      topicArn: topic.arn,
      usersUrl: users.url,
      messagingUrl: messaging.url,
      streamConsumerUrl: consumer.url,
      gatewayConfig,
      gatewayEnv,
      keys,
      tableName: table.name,
      connectionTable,
      pushPublisher,
      logs: { users: usersLog.lines, messaging: messagingLog.lines },
      async startGateway(overrides = {}) {
        const gateway = await startGateway(loadConfig(gatewayConfigSchema, { ...gatewayEnv, ...overrides }), {
          logger: silentLogger,
        });
        cleanups.push(() => gateway.stop());
        return gateway;
      },
      async waitForProfiles(users) {
        const deadline = Date.now() + 20_000;
        for (const user of users) {
          for (;;) {
            const { Item } = await pushDdb.send(
              new GetCommand({
                TableName: table.name,
                Key: { pk: `USER#${user.uuid}`, sk: 'PROFILE' },
                ConsistentRead: true,
              }),
            );
            if (Item && Number(Item.version) >= 1) break;
            if (Date.now() > deadline) throw new Error(`messaging has no profile of ${user.handle} yet`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
      createUsers<Handles extends string[]>(...handles: Handles) {
        return Promise.all(handles.map((handle) => system.createUser(handle))) as Promise<{
          [K in keyof Handles]: TestUser;
        }>;
      },
      async connect(via, user, query = '') {
        const stream = await openEventStream(`${via.url}/api/events${query}`, {
          authorization: `Bearer ${user.accessToken}`,
        });
        cleanups.push(async () => stream.close());
        if (stream.status !== 200) throw new Error(`event stream of ${user.handle}: ${stream.status}`);
        const deadline = Date.now() + 10_000;
        while (stream.events[0]?.event !== 'ready') {
          if (Date.now() > deadline) throw new Error(`no ready event on ${user.handle}'s stream`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return stream;
      },
      async createUser(handle) {
        const identity = await createCognitoUser(cognito, pool, handle);
        const display_name = `${handle} Display`;
        const registered = await fetch(`${users.url}/internal/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await keys.asService('users', 'ops')) },
          body: JSON.stringify({
            handle,
            display_name,
            email: identity.email,
            cognito_user_id: identity.sub,
          }),
        });
        if (registered.status !== 201) {
          throw new Error(`register ${handle}: ${registered.status} ${await registered.text()}`);
        }
        const user = (await registered.json()) as { uuid: string };
        return {
          uuid: user.uuid,
          handle,
          display_name,
          sub: identity.sub,
          accessToken: identity.accessToken,
          idToken: identity.idToken,
        };
      },
      stop,
    };
    return system;
  } catch (err) {
    await stop();
    throw err;
  }
}
