import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, SHARD_END } from '@cruddur/ddb';
import { type LocalStack, startLocalStack } from '@cruddur/local-stack';
import { silentLogger } from '@cruddur/logger';
import { createWorld, sendMessage, startConversation, type TestWorld } from '@cruddur/stream-testing';
import { dynamoClient } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from './leases/lease-store.ts';
import { type RunningStreamConsumer, startStreamConsumer } from './service.ts';

// This file kills DynamoDB Local, so it runs its own stack (on disk, so the data outlives the crash).
let stack: LocalStack;
let dataDir: string;
let world: TestWorld;
let consumer: RunningStreamConsumer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stream-consumer-restart-'));
  stack = await startLocalStack({ only: ['dynamodb', 'sqs'], dataDir });
  world = await createWorld(stack.endpoints);
  consumer = await startStreamConsumer(world.config(), { logger: silentLogger });
});
afterAll(async () => {
  await consumer?.stop();
  await world?.dispose();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const lastOf = async (owner: string, group: string) =>
  (
    await world.ddb.send(
      new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item?.last_message_uuid;

describe('surviving the database', () => {
  it('carries on after DynamoDB Local is killed and restarted', async () => {
    const { conversation: c } = await startConversation(world.ddb, world.table);
    const before = await sendMessage(world.ddb, world.table, c, c.b, 'before the crash');
    await expect.poll(() => lastOf(c.a, c.group), { timeout: 15_000 }).toBe(before.message_uuid);

    await stack.crashAndRestart('dynamodb');
    const after = await sendMessage(world.ddb, world.table, c, c.a, 'after the restart');
    await expect.poll(() => lastOf(c.b, c.group), { timeout: 30_000 }).toBe(after.message_uuid);
  }, 60_000);

  it('finishes a shard closed by disabling the stream, then follows the new stream when it is enabled again', async () => {
    const { conversation: c } = await startConversation(world.ddb, world.table);
    const ddb = dynamoClient(stack.endpoints);
    await ddb.send(
      new UpdateTableCommand({ TableName: world.table, StreamSpecification: { StreamEnabled: false } }),
    );
    const store = new LeaseStore({ ddb: world.ddb, table: world.leaseTable });
    await expect
      .poll(async () => (await store.snapshot()).leases.map((l) => l.checkpoint), { timeout: 15_000 })
      .toContain(SHARD_END);
    expect(await lastOf(c.b, c.group)).toBeDefined();

    await ddb.send(
      new UpdateTableCommand({
        TableName: world.table,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    ddb.destroy();
    const onNewStream = await sendMessage(world.ddb, world.table, c, c.b, 'on the new stream');
    await expect.poll(() => lastOf(c.a, c.group), { timeout: 20_000 }).toBe(onNewStream.message_uuid);
    const leases = (await store.snapshot()).leases;
    expect(new Set(leases.map((l) => l.stream_arn)).size).toBe(2);
  }, 60_000);
});
