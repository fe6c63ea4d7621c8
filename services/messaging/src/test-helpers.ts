import { randomUUID } from 'node:crypto';
import type { UserSnapshot } from '@cruddur/contracts';
import { silentLogger } from '@cruddur/logger';
import {
  type CallJsonOptions,
  callJson,
  createTestQueue,
  createTestTable,
  documentClient,
  type JsonResponse,
  type TestQueue,
  type TestTable,
} from '@cruddur/test-kit';
import { type MessagingConfig, messagingConfigSchema } from './config.ts';
import { MessageStore } from './data/store.ts';
import { type RunningMessagingService, startMessagingService } from './index.ts';

/** A messaging service on its own table and queue, for one test file. */
export interface ServiceFixture {
  service: RunningMessagingService;
  config: MessagingConfig;
  table: TestTable;
  queue: TestQueue;
  /** A store on the same table with its own client, for arranging and checking data directly. */
  store: MessageStore;
  call(path: string, init?: CallJsonOptions): Promise<JsonResponse>;
  addUser(handle: string, version?: number): Promise<UserSnapshot>;
  close(): Promise<void>;
}

export async function startServiceFixture(
  stack: Parameters<typeof createTestTable>[0],
  options: { clock?: () => Date } = {},
): Promise<ServiceFixture> {
  const [table, queue] = await Promise.all([createTestTable(stack), createTestQueue(stack)]);
  const config = messagingConfigSchema.parse({
    PORT: '0',
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    DDB_ENDPOINT: stack.dynamodbEndpoint,
    SQS_ENDPOINT: stack.sqsEndpoint,
    DDB_MESSAGE_TABLE: table.name,
    USERS_EVENTS_QUEUE_URL: queue.url,
  });
  const service = await startMessagingService(config, {
    logger: silentLogger,
    host: '127.0.0.1',
    usersEventsWaitSeconds: 1,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const ddb = documentClient(stack);
  const store = new MessageStore(ddb, table.name);
  return {
    service,
    config,
    table,
    queue,
    store,
    call: (path, init = {}) => callJson(`${service.url}${path}`, init),
    async addUser(handle, version = 1) {
      const user = { uuid: randomUUID(), handle, display_name: `${handle} display`, bio: null, version };
      await store.putProfile(user);
      return user;
    },
    async close() {
      await service.stop();
      ddb.destroy();
      await Promise.all([table.drop(), queue.drop()]);
    },
  };
}
