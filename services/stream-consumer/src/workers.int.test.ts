import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type MessageItem, TRIM_HORIZON } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import {
  type Conversation,
  createWorld,
  messageItem,
  sendMessage,
  startConversation,
  type TestWorld,
} from '@cruddur/stream-testing';
import { testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from './leases/lease-store.ts';
import { type RunningStreamConsumer, startStreamConsumer } from './service.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let world: TestWorld;
let store: LeaseStore;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  world = await createWorld(testStack());
  store = new LeaseStore({ ddb: world.ddb, table: world.leaseTable });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await world.dispose();
});

function spawnWorker(workerId: string, extra: Record<string, string> = {}): ChildProcess {
  const config = world.config({ WORKER_ID: workerId, ...extra });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const [key, value] of Object.entries(config)) if (value !== undefined) env[key] = String(value);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

async function row(owner: string, group: string) {
  return (
    await world.ddb.send(
      new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item;
}

async function shardLease() {
  const { leases } = await store.snapshot();
  expect(leases).toHaveLength(1);
  return leases[0]!;
}

describe('workers as real processes and as in-process replicas', () => {
  it('loses no inbox update when the worker is killed with SIGKILL mid-backlog and another one restarts', async () => {
    const chats: { c: Conversation; messages: MessageItem[] }[] = [];
    for (let i = 0; i < 8; i++) {
      const { conversation, first } = await startConversation(world.ddb, world.table);
      chats.push({ c: conversation, messages: [first] });
    }
    const backlog: MessageItem[] = [];
    for (let n = 0; n < 240; n++) {
      const chat = chats[n % chats.length]!;
      const item = messageItem(chat.c, n % 3 === 0 ? chat.c.a : chat.c.b, `m${n}`);
      chat.messages.push(item);
      backlog.push(item);
    }
    for (let i = 0; i < backlog.length; i += 25) {
      await world.ddb.send(
        new BatchWriteCommand({
          RequestItems: { [world.table]: backlog.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }

    const first = spawnWorker('crashing-worker', { BATCH_SIZE: '10', RECORD_CONCURRENCY: '2' });
    // Kill it once it has checkpointed at least one batch, i.e. in the middle of the backlog.
    await expect
      .poll(async () => (await store.snapshot()).leases[0]?.checkpoint ?? TRIM_HORIZON, { timeout: 30_000 })
      .not.toBe(TRIM_HORIZON);
    first.kill('SIGKILL');
    await exited(first);
    const atCrash = await shardLease();
    expect(atCrash.owner).toBe('crashing-worker');

    const second = spawnWorker('restarted-worker');
    for (const { c, messages } of chats) {
      const latest = messages.at(-1)!;
      await expect
        .poll(async () => (await row(c.a, c.group))?.last_message_uuid, { timeout: 30_000 })
        .toBe(latest.message_uuid);
      await expect.poll(async () => (await row(c.b, c.group))?.last_message_uuid).toBe(latest.message_uuid);
      // Nobody read anything, so each side's unread count is exactly the messages the other side sent.
      expect((await row(c.a, c.group))?.unread_count).toBe(
        messages.filter((m) => m.sender_uuid === c.b).length,
      );
      expect((await row(c.b, c.group))?.unread_count).toBe(
        messages.filter((m) => m.sender_uuid === c.a).length,
      );
    }
    expect((await shardLease()).owner).toBe('restarted-worker');

    // SIGTERM: finish, checkpoint, release, leave the fleet.
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    const released = await shardLease();
    expect(released.owner).toBeUndefined();
    const workers = (await store.snapshot()).workers;
    expect(workers.map((w) => w.worker_id)).not.toContain('restarted-worker');
    expect(workers.every((w) => w.expires_at < Date.now())).toBe(true);
  }, 90_000);

  it('hands the shard over between two and three replicas: a crashed owner after the lease expires, a stopped one at once', async () => {
    const { conversation: c } = await startConversation(world.ddb, world.table);
    const replicas: RunningStreamConsumer[] = [];
    const startReplica = async () => {
      const replica = await startStreamConsumer(world.config(), { logger: silentLogger });
      replicas.push(replica);
      world.defer(() => replica.stop());
      return replica;
    };
    await startReplica();
    await startReplica();
    const ownerOf = async () => (await store.snapshot()).leases[0]?.owner;
    await expect.poll(ownerOf, { timeout: 10_000 }).toBeDefined();
    await startReplica();
    const m1 = await sendMessage(world.ddb, world.table, c, c.b, 'to three replicas');
    await expect
      .poll(async () => (await row(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m1.message_uuid);

    const crashedId = await ownerOf();
    const crashed = replicas.find((r) => r.workerId === crashedId);
    expect(crashed).toBeDefined();
    await crashed!.kill();
    const m2 = await sendMessage(world.ddb, world.table, c, c.a, 'after the crash');
    await expect
      .poll(async () => (await row(c.b, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m2.message_uuid);
    const survivorId = await ownerOf();
    const survivor = replicas.find((r) => r.workerId === survivorId);
    expect(survivor).toBeDefined();
    expect(survivor).not.toBe(crashed);

    await survivor!.stop();
    const m3 = await sendMessage(world.ddb, world.table, c, c.b, 'after the stop');
    await expect
      .poll(async () => (await row(c.a, c.group))?.last_message_uuid, { timeout: 15_000 })
      .toBe(m3.message_uuid);
    const lastId = await ownerOf();
    const last = replicas.find((r) => r.workerId === lastId);
    expect(last).toBeDefined();
    expect([crashed, survivor]).not.toContain(last);
    expect((await row(c.a, c.group))?.unread_count).toBe(2);
  }, 90_000);
});
