import { randomUUID } from 'node:crypto';
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '@cruddur/config';
import type { UserSnapshot } from '@cruddur/contracts';
import { silentLogger } from '@cruddur/logger';
import {
  type CallJsonOptions,
  callJson,
  createTestDatabase,
  createTestQueue,
  createTestServiceKeys,
  createTestTable,
  documentClient,
  type JsonResponse,
  type TestQueue,
  type TestServiceKeys,
  type TestTable,
} from '@cruddur/test-kit';
import { startUsersService, type UsersService, usersConfigSchema } from '@cruddur/users';
import { type MessagingConfig, messagingConfigSchema } from '../src/config.ts';
import { MessageStore } from '../src/data/store.ts';
import { type RunningMessagingService, startMessagingService } from '../src/service.ts';

interface FixtureCallOptions extends CallJsonOptions {
  /** The user the gateway's assertion acts for; without it the call carries no credential at all. */
  as?: string;
}

/** A messaging service on its own table and queue, and the real users service it re-reads profiles from. */
export interface ServiceFixture {
  service: RunningMessagingService;
  users: UsersService;
  config: MessagingConfig;
  keys: TestServiceKeys;
  table: TestTable;
  queue: TestQueue;
  deadLetters: TestQueue;
  /** A store on the same table with its own client, for arranging and checking data directly. */
  store: MessageStore;
  /** Every item of one partition, strongly consistent: what the service wrote. */
  items(pk: string): Promise<NonNullable<QueryCommandOutput['Items']>>;
  call(path: string, init?: FixtureCallOptions): Promise<JsonResponse>;
  /** Puts a profile straight into the replica (arranging a test), as if its event had been applied. */
  addUser(handle: string, version?: number): Promise<UserSnapshot>;
  /** Registers a user in the users service, whose outbox then announces them to messaging. */
  registerUser(handle: string): Promise<UserSnapshot>;
  /** Changes a profile in the users service (a new version and event). */
  renameUser(uuid: string, displayName: string): Promise<UserSnapshot>;
  close(): Promise<void>;
}

export async function startServiceFixture(
  stack: Parameters<typeof createTestTable>[0],
  options: { clock?: () => Date } = {},
): Promise<ServiceFixture> {
  const [table, queue, deadLetters, db, keys] = await Promise.all([
    createTestTable(stack),
    createTestQueue(stack),
    createTestQueue(stack, { prefix: 'users-dlq' }),
    createTestDatabase(stack, 'msg_users'),
    createTestServiceKeys(),
  ]);
  const common = { PORT: '0', LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1', SQS_ENDPOINT: stack.sqsEndpoint };
  const users = await startUsersService(
    loadConfig(usersConfigSchema, {
      ...common,
      DATABASE_URL: db.url,
      USERS_EVENTS_QUEUE_URL: queue.url,
      OUTBOX_POLL_INTERVAL_MS: '50',
      SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
    }),
    { logger: silentLogger, migrate: true },
  );
  const config = messagingConfigSchema.parse({
    ...common,
    DDB_ENDPOINT: stack.dynamodbEndpoint,
    DDB_MESSAGE_TABLE: table.name,
    USERS_EVENTS_QUEUE_URL: queue.url,
    USERS_EVENTS_DLQ_URL: deadLetters.url,
    USERS_URL: users.url,
    SERVICE_AUTH_PRIVATE_KEY: keys.privateKeyJson('messaging'),
    SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
  });
  const service = await startMessagingService(config, {
    logger: silentLogger,
    usersEventsWaitSeconds: 1,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const ddb = documentClient(stack);
  const store = new MessageStore(ddb, table.name);
  const asOps = () => keys.asService('users', 'ops');
  const snapshotOf = (body: {
    uuid: string;
    handle: string;
    display_name: string;
    bio: string | null;
    version: number;
  }) => ({
    uuid: body.uuid,
    handle: body.handle,
    display_name: body.display_name,
    bio: body.bio,
    version: body.version,
  });
  return {
    service,
    users,
    config,
    keys,
    table,
    queue,
    deadLetters,
    store,
    async items(pk) {
      const out = await ddb.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        }),
      );
      return out.Items ?? [];
    },
    async call(path, { as, ...init } = {}) {
      const auth = as === undefined ? {} : await keys.asUser('messaging', as);
      return callJson(`${service.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
    },
    async addUser(handle, version = 1) {
      const user = { uuid: randomUUID(), handle, display_name: `${handle} display`, bio: null, version };
      await store.putProfile(user);
      return user;
    },
    async registerUser(handle) {
      const tag = randomUUID().slice(0, 8);
      const res = await callJson(`${users.url}/internal/users`, {
        headers: await asOps(),
        body: {
          handle,
          display_name: `${handle} display`,
          email: `${handle}.${tag}@example.com`,
          cognito_user_id: `sub-${tag}`,
        },
      });
      if (res.status !== 201)
        throw new Error(`register ${handle}: ${res.status} ${JSON.stringify(res.body)}`);
      return snapshotOf(res.body);
    },
    async renameUser(uuid, displayName) {
      const res = await callJson(`${users.url}/internal/users/${uuid}`, {
        method: 'PATCH',
        headers: await asOps(),
        body: { display_name: displayName },
      });
      if (res.status !== 200) throw new Error(`rename ${uuid}: ${res.status} ${JSON.stringify(res.body)}`);
      return snapshotOf(res.body);
    },
    async close() {
      await service.stop();
      await users.stop();
      ddb.destroy();
      await Promise.all([table.drop(), queue.drop(), deadLetters.drop(), db.drop()]);
    },
  };
}
