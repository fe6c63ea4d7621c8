import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '@cruddur/config';
import { silentLogger } from '@cruddur/logger';
import { startStreamConsumer, streamConsumerConfigSchema } from '@cruddur/stream-consumer';
import {
  createTestQueue,
  createTestTable,
  createTestTopic,
  dynamoClient,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./stream-status', import.meta.url));
const stack = testStack();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('scripts/ops/stream-status', () => {
  it('prints the shard, its lease owner and checkpoint, and the live worker, as a table and as JSON', async () => {
    const [table, topic, dlq] = await Promise.all([
      createTestTable(stack),
      createTestTopic(stack),
      createTestQueue(stack),
    ]);
    cleanup.push(table.drop, topic.drop, dlq.drop);
    const ddb = dynamoClient(stack);
    const { leaseTableDefinition } = await import('@cruddur/stream-consumer');
    const leaseTable = uniqueName('leases');
    await ddb.send(new CreateTableCommand(leaseTableDefinition(leaseTable)));
    await ddb.send(
      new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'USER#x' }, sk: { S: 'PROFILE' } } }),
    );
    const env = {
      AWS_REGION: 'us-east-1',
      DDB_ENDPOINT: stack.dynamodbEndpoint,
      DDB_MESSAGE_TABLE: table.name,
      DDB_LEASE_TABLE: leaseTable,
    };
    const consumer = await startStreamConsumer(
      loadConfig(streamConsumerConfigSchema, {
        ...env,
        SQS_ENDPOINT: stack.sqsEndpoint,
        SNS_ENDPOINT: stack.sqsEndpoint,
        PORT: '0',
        MESSAGE_EVENTS_TOPIC_ARN: topic.arn,
        STREAM_DLQ_URL: dlq.url,
        WORKER_ID: 'status-test-worker',
        TAKE_INTERVAL_MS: '200',
        POLL_INTERVAL_MS: '50',
      }),
      { logger: silentLogger },
    );
    cleanup.push(
      () => consumer.stop(),
      async () => ddb.destroy(),
    );
    await expect.poll(() => consumer.leases().length, { timeout: 10_000 }).toBe(1);

    const childEnv = { ...process.env, ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const json = JSON.parse((await run(SCRIPT, ['--json'], { env: childEnv })).stdout);
    expect(json.shards).toEqual([
      expect.objectContaining({
        state: 'owned',
        owner: 'status-test-worker',
        parent_shard_id: null,
        closed: false,
      }),
    ]);
    expect(json.workers).toEqual([
      expect.objectContaining({ worker_id: 'status-test-worker', alive: true, leases_held: 1 }),
    ]);

    const text = (await run(SCRIPT, [], { env: childEnv })).stdout;
    expect(text).toMatch(
      /SHARD\s+PARENT\s+SHARD STATE\s+LEASE\s+OWNER\s+LEASE AGE\s+CHECKPOINT\s+PENDING\s+LAG/,
    );
    expect(text).toContain('status-test-worker');
    expect(text).toContain('workers: 1 alive');
  });
});
