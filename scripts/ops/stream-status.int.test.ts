import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
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
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./stream-status', import.meta.url));
const stack = testStack();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('scripts/ops/stream-status', () => {
  let childEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
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
        // These tests read the events off the topic; targeted delivery has no gateway to send to here.
        REALTIME_DELIVERY: 'broadcast',
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
    await vi.waitFor(() => expect(consumer.leases().length).toBe(1), { timeout: 10_000 });
    childEnv = { ...process.env, ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  });

  // Two script processes compiling TypeScript: 12-17 s in CI runs, near the 30 s default.
  it('prints the shard, its lease owner and checkpoint, and the live worker, as a table and as JSON', {
    timeout: 60_000,
  }, async () => {
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

  /** Starts `--watch` off a terminal, waits until `frames` refreshes are out, then sends Ctrl-C. */
  async function watchUntil(args: string[], done: (stdout: string) => boolean) {
    const child = spawn(SCRIPT, ['--watch', '--interval', '0.2', ...args], { env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const exited = once(child, 'exit');
    await expect.poll(() => done(stdout), { timeout: 20_000 }).toBe(true);
    child.kill('SIGINT');
    const [code, signal] = await exited;
    return { code, signal, stdout, stderr };
  }

  it('--watch off a terminal prints one table per refresh and exits cleanly on Ctrl-C', async () => {
    const frames = (s: string) => s.match(/^stream of /gm)?.length ?? 0;
    const out = await watchUntil([], (s) => frames(s) >= 2);
    expect({ code: out.code, signal: out.signal, stderr: out.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    expect(out.stdout).not.toContain('\x1b[');
    expect(out.stdout.split(/\n\nstream of /)[1]).toContain('workers: 1 alive');
  });

  it('--watch --json prints one JSON document per line', async () => {
    const out = await watchUntil(['--json'], (s) => s.split('\n').length >= 3);
    expect(out.code).toBe(0);
    const docs = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(docs.length).toBeGreaterThanOrEqual(2);
    expect(docs[1].workers).toEqual([expect.objectContaining({ worker_id: 'status-test-worker' })]);
  });

  it('refuses --interval without --watch in one line', async () => {
    await expect(run(SCRIPT, ['--interval', '1'], { env: childEnv })).rejects.toMatchObject({
      code: 1,
      stderr: 'error: --interval needs --watch\n',
    });
  });
});
