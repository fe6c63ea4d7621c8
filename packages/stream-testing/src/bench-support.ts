import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createSnsClient, createSqsClient, createStreamsClient } from '@cruddur/aws';
import { loadConfig } from '@cruddur/config';
import type { MessageItem } from '@cruddur/ddb';
import {
  createDocumentClient,
  inboxItemSchema,
  keys,
  messageTableDefinition,
  parseOptionalItem,
  shardLeaseKey,
  shardLeaseSchema,
} from '@cruddur/ddb';
import { sleep } from '@cruddur/http';
import { type LocalStack, startLocalStack } from '@cruddur/local-stack';
import { silentLogger } from '@cruddur/logger';
import {
  buildAdvanceInbox,
  compareSequenceNumbers,
  leaseTableDefinition,
  type StreamConsumerConfig,
  type StreamsApi,
  sdkStreamsApi,
  startStreamConsumer,
  streamConsumerConfigSchema,
} from '@cruddur/stream-consumer';
import { type Conversation, messageItem, startConversation } from './fixtures.ts';
import { RawReader } from './raw-reader.ts';

const REGION = 'us-east-1';

/**
 * The stream benchmarks' world: a private DynamoDB Local and SQS/SNS emulator (so other runs' stream records
 * cannot slow this one down), the events topic and the stream DLQ. The benchmark files reach the service and its
 * dependencies through this package.
 */
export class StreamBench {
  private constructor(
    readonly stack: LocalStack,
    readonly topicArn: string,
    readonly dlqUrl: string,
  ) {}

  readonly ddb = () =>
    createDocumentClient({ region: REGION, endpoint: this.stack.endpoints.dynamodbEndpoint });

  static async start(): Promise<StreamBench> {
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const stack = await startLocalStack({ only: ['dynamodb', 'sqs'] });
    const sns = createSnsClient({ region: REGION, endpoint: stack.endpoints.sqsEndpoint });
    const sqs = createSqsClient({ region: REGION, endpoint: stack.endpoints.sqsEndpoint });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-message-events' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-stream-dlq' }));
    sns.destroy();
    sqs.destroy();
    return new StreamBench(stack, TopicArn!, QueueUrl!);
  }

  async table(prefix: string): Promise<{ table: string; leaseTable: string; streamArn: string }> {
    const client = new DynamoDBClient({ region: REGION, endpoint: this.stack.endpoints.dynamodbEndpoint });
    const table = `${prefix}-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateTableCommand(messageTableDefinition(table)));
    await client.send(new CreateTableCommand(leaseTableDefinition(`${table}-leases`)));
    const streamArn = (await client.send(new DescribeTableCommand({ TableName: table }))).Table!
      .LatestStreamArn!;
    client.destroy();
    return { table, leaseTable: `${table}-leases`, streamArn };
  }

  config(table: string, leaseTable: string, extra: Record<string, string> = {}): StreamConsumerConfig {
    const { dynamodbEndpoint, sqsEndpoint } = this.stack.endpoints;
    return loadConfig(streamConsumerConfigSchema, {
      LOG_LEVEL: 'silent',
      AWS_REGION: REGION,
      DDB_ENDPOINT: dynamodbEndpoint,
      SQS_ENDPOINT: sqsEndpoint,
      SNS_ENDPOINT: sqsEndpoint,
      PORT: '0',
      DDB_MESSAGE_TABLE: table,
      DDB_LEASE_TABLE: leaseTable,
      MESSAGE_EVENTS_TOPIC_ARN: this.topicArn,
      // These tests read the events off the topic; targeted delivery has no gateway to send to here.
      REALTIME_DELIVERY: 'broadcast',
      STREAM_DLQ_URL: this.dlqUrl,
      TAKE_INTERVAL_MS: '200',
      ...extra,
    });
  }

  streams(): { api: StreamsApi; close(): void } {
    const client = createStreamsClient({ region: REGION, endpoint: this.stack.endpoints.dynamodbEndpoint });
    return { api: sdkStreamsApi(client), close: () => client.destroy() };
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }
}

export async function conversations(
  ddb: ReturnType<typeof createDocumentClient>,
  table: string,
  n: number,
): Promise<Conversation[]> {
  const out: Conversation[] = [];
  for (let i = 0; i < n; i++) out.push((await startConversation(ddb, table)).conversation);
  return out;
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 120_000,
  everyMs = 2,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('benchmark condition not met in time');
    await sleep(everyMs);
  }
}

export interface FreshnessResult {
  consumerMs: number[];
  rawMs: number[];
}

/**
 * Freshness: PutItem of a message until both members' inbox rows show it, through a running consumer; and the
 * floor, PutItem until a raw GetRecords loop with the same poll interval sees the record. Messages go one at a
 * time with a random pause, so the put lands at a random point of the poll cycle.
 */
export async function measureFreshness(
  bench: StreamBench,
  samples: number,
  pollIntervalMs: number,
): Promise<FreshnessResult> {
  const ddb = bench.ddb();
  try {
    const raw = await bench.table('bench-raw');
    const rawChats = await conversations(ddb, raw.table, 4);
    const streams = bench.streams();
    const reader = new RawReader(streams.api, raw.streamArn, pollIntervalMs);
    reader.start();
    const rawMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const chat = rawChats[i % rawChats.length]!;
      const item = messageItem(chat, chat.a, `raw ${i}`);
      const t0 = performance.now();
      await ddb.send(new PutCommand({ TableName: raw.table, Item: item }));
      await waitUntil(() => reader.seen.has(item.message_uuid));
      rawMs.push(reader.seen.get(item.message_uuid)! - t0);
      await sleep(Math.random() * pollIntervalMs);
    }
    await reader.stop();
    streams.close();

    const real = await bench.table('bench-fresh');
    const chats = await conversations(ddb, real.table, 4);
    const consumer = await startStreamConsumer(
      bench.config(real.table, real.leaseTable, { POLL_INTERVAL_MS: String(pollIntervalMs) }),
      {
        logger: silentLogger,
      },
    );
    await waitUntil(() => consumer.leases().length === 1, 30_000, 20);
    const consumerMs: number[] = [];
    const shows = async (owner: string, group: string, uuid: string) =>
      parseOptionalItem(
        inboxItemSchema,
        (await ddb.send(new GetCommand({ TableName: real.table, Key: keys.inbox(owner, group) }))).Item,
      )?.last_message_uuid === uuid;
    for (let i = 0; i < samples; i++) {
      const chat = chats[i % chats.length]!;
      const item = messageItem(chat, i % 2 ? chat.a : chat.b, `fresh ${i}`);
      const t0 = performance.now();
      await ddb.send(new PutCommand({ TableName: real.table, Item: item }));
      await waitUntil(
        async () =>
          (await shows(chat.a, chat.group, item.message_uuid)) &&
          (await shows(chat.b, chat.group, item.message_uuid)),
      );
      consumerMs.push(performance.now() - t0);
      await sleep(Math.random() * pollIntervalMs);
    }
    await consumer.stop();
    return { consumerMs, rawMs };
  } finally {
    ddb.destroy();
  }
}

export interface CatchUpResult {
  messages: number;
  rawRecords: number;
  rawSeconds: number;
  /** The raw inbox moves of the same backlog (see rawInboxMoves): how long they took, and how many were sent. */
  movesSeconds: number;
  moves: number;
  consumerSeconds: number;
  /** Stream records read by the raw loop, seconds after it started. */
  rawProgress: { atSeconds: number; value: number }[];
  /** Stream records the consumer has done (its `stream_consumer_records_total`), seconds after it started. */
  consumerProgress: { atSeconds: number; value: number }[];
}

/** How often the consumer's progress is read during catch-up: often enough for a curve, rarely enough to cost nothing. */
const PROGRESS_EVERY_MS = 200;

/** Seconds since a `performance.now()` reading, to the millisecond. */
const secondsSince = (start: number) => Math.round(performance.now() - start) / 1000;

/** Stream records a running consumer has done, every outcome, from its own /metrics. */
async function recordsDone(consumerUrl: string): Promise<number> {
  const text = await (await fetch(`${consumerUrl}/metrics`)).text();
  let done = 0;
  for (const m of text.matchAll(/^stream_consumer_records_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)) {
    done += Number(m[1]);
  }
  return done;
}

/**
 * Catch-up: a backlog of `messages` message items over `conversationCount` conversations is written first; then
 * a raw GetRecords loop reads the whole backlog (the read-rate floor), and a consumer started on it is timed
 * until its checkpoint passes the backlog's last record.
 */
export async function measureCatchUp(
  bench: StreamBench,
  messages: number,
  conversationCount: number,
  log: (m: string) => void,
): Promise<CatchUpResult> {
  const ddb = bench.ddb();
  try {
    const { table, leaseTable, streamArn } = await bench.table('bench-catchup');
    const chats = await conversations(ddb, table, conversationCount);
    // Made before the backlog: DynamoDB Local writes about ten times slower to a table created after a large
    // burst of stream records than to one created before it, which would make the floor look far lower.
    const twinTable = (await bench.table('bench-catchup-moves')).table;
    const twin = { table: twinTable, chats: await conversations(ddb, twinTable, conversationCount) };
    log(`writing a backlog of ${messages} messages`);
    const items = Array.from({ length: messages }, (_, n) => {
      const chat = chats[n % chats.length]!;
      return messageItem(chat, n % 3 === 0 ? chat.a : chat.b, `backlog ${n}`);
    });
    for (let i = 0; i < items.length; i += 100) {
      await Promise.all(
        [0, 25, 50, 75].map((o) => {
          const chunk = items.slice(i + o, i + o + 25);
          return chunk.length === 0
            ? undefined
            : ddb.send(
                new BatchWriteCommand({
                  RequestItems: { [table]: chunk.map((Item) => ({ PutRequest: { Item } })) },
                }),
              );
        }),
      );
    }

    // DynamoDB Local keeps working for seconds after a burst of writes; whatever ran first paid for it.
    await settled(bench.stack.dynamodb.pid);
    const streams = bench.streams();
    const reader = new RawReader(streams.api, streamArn, 50);
    const rawStart = performance.now();
    let rawEnd = 0;
    const total = messages + conversationCount * 3;
    const rawProgress = [{ atSeconds: 0, value: 0 }];
    reader.start((records) => {
      if (records.length > 0) rawProgress.push({ atSeconds: secondsSince(rawStart), value: reader.count });
      if (reader.count >= total && rawEnd === 0) rawEnd = performance.now();
    });
    await waitUntil(() => rawEnd > 0, 300_000, 5);
    const lastSequence = reader.lastSequence!;
    await reader.stop();
    streams.close();
    log(`raw read ${reader.count} records in ${((rawEnd - rawStart) / 1000).toFixed(2)} s`);
    log(
      `raw inbox moves of the same backlog, ${MOVE_BATCH} messages at a time, ${MOVE_LANES} conversations at once`,
    );
    const raw = await rawInboxMoves(ddb, twin, items, chats);
    log(`${raw.moves} UpdateItems in ${raw.seconds.toFixed(2)} s; starting the consumer`);
    await settled(bench.stack.dynamodb.pid);

    const consumerStart = performance.now();
    const consumer = await startStreamConsumer(
      bench.config(table, leaseTable, {
        BATCH_SIZE: '1000',
        POLL_INTERVAL_MS: '50',
        LEASE_DURATION_MS: '10000',
      }),
      { logger: silentLogger },
    );
    const leaseDdb = bench.ddb();
    const consumerProgress = [{ atSeconds: 0, value: 0 }];
    let nextProgress = 0;
    await waitUntil(
      async () => {
        const now = performance.now();
        if (now >= nextProgress) {
          nextProgress = now + PROGRESS_EVERY_MS;
          const value = await recordsDone(consumer.url);
          consumerProgress.push({ atSeconds: secondsSince(consumerStart), value });
        }
        const lease = await leaseDdb.send(
          new GetCommand({
            TableName: leaseTable,
            Key: { lease_key: shardLeaseKey(streamArn, await shardId(bench, streamArn)) },
          }),
        );
        const checkpoint = parseOptionalItem(shardLeaseSchema, lease.Item)?.checkpoint;
        return (
          checkpoint !== undefined &&
          /^\d+$/.test(checkpoint) &&
          compareSequenceNumbers(checkpoint, lastSequence) >= 0
        );
      },
      600_000,
      50,
    );
    const consumerSeconds = (performance.now() - consumerStart) / 1000;
    consumerProgress.push({ atSeconds: secondsSince(consumerStart), value: await recordsDone(consumer.url) });
    await consumer.stop();
    leaseDdb.destroy();
    return {
      messages,
      rawRecords: reader.count,
      rawSeconds: (rawEnd - rawStart) / 1000,
      movesSeconds: raw.seconds,
      moves: raw.moves,
      consumerSeconds,
      rawProgress,
      consumerProgress,
    };
  } finally {
    ddb.destroy();
  }
}

/** CPU ms so far of a process (utime + stime of /proc/<pid>/stat at 100 ticks a second), or 0 when unknown. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Waits (at most 30 s) until the process has used under a tenth of a core for two half-seconds in a row. */
async function settled(pid: number | undefined): Promise<void> {
  let calm = 0;
  for (let waited = 0, last = cpuMsOf(pid); calm < 2 && waited < 30_000; waited += 500) {
    await sleep(500);
    const now = cpuMsOf(pid);
    calm = now - last < 50 ? calm + 1 : 0;
    last = now;
  }
}

/** The stream consumer's RECORD_CONCURRENCY default: conversations handled at once. */
const MOVE_LANES = 16;
/** The consumer's BATCH_SIZE in the catch-up benchmark: records per GetRecords. */
const MOVE_BATCH = 1000;

/**
 * The floor a consumer of the backlog sits on for its writes: the same inbox moves sent raw. On a twin table with
 * as many conversations (each started like the originals: first message and both rows), the backlog's messages,
 * re-homed to their twin conversations, are taken 1000 at a time (a GetRecords batch); for each conversation of a
 * batch, each member's row moves straight to its newest message, adding the others' messages to the unread count,
 * with the consumer's own request (buildAdvanceInbox, conditional on the row being behind the oldest of them):
 * exactly the UpdateItems the consumer's catch-up shortcut sends, both members at once, 16 conversations at a
 * time. No stream read, no events, no checkpoint.
 */
async function rawInboxMoves(
  ddb: ReturnType<typeof createDocumentClient>,
  twin: { table: string; chats: readonly Conversation[] },
  items: readonly MessageItem[],
  chats: readonly Conversation[],
): Promise<{ seconds: number; moves: number }> {
  const twins = twin.chats;
  const copies = items.map((item, n) => {
    const original = chats[n % chats.length]!;
    const copy = twins[n % chats.length]!;
    return messageItem(copy, item.sender_uuid === original.a ? copy.a : copy.b, item.message ?? '');
  });
  let moves = 0;
  const started = performance.now();
  for (let b = 0; b < copies.length; b += MOVE_BATCH) {
    const byConversation = new Map<string, MessageItem[]>();
    for (const m of copies.slice(b, b + MOVE_BATCH)) {
      byConversation.set(m.message_group_uuid, [...(byConversation.get(m.message_group_uuid) ?? []), m]);
    }
    const queue = [...byConversation.values()];
    await Promise.all(
      Array.from({ length: MOVE_LANES }, async () => {
        for (let group = queue.shift(); group; group = queue.shift()) {
          const oldest = group[0]!;
          const newest = group.at(-1)!;
          await Promise.all(
            newest.members.map(async (owner) => {
              moves++;
              await ddb.send(
                new UpdateCommand(
                  buildAdvanceInbox({
                    table: twin.table,
                    owner,
                    message: newest,
                    unreadIncrement: group.filter((m) => m.sender_uuid !== owner).length,
                    behindKey: oldest.sk,
                  }),
                ),
              );
            }),
          );
        }
      }),
    );
  }
  return { seconds: (performance.now() - started) / 1000, moves };
}

const shardIds = new Map<string, string>();
async function shardId(bench: StreamBench, streamArn: string): Promise<string> {
  let id = shardIds.get(streamArn);
  if (!id) {
    const streams = bench.streams();
    id = (await streams.api.describeStream({ StreamArn: streamArn })).StreamDescription!.Shards![0]!.ShardId!;
    streams.close();
    shardIds.set(streamArn, id);
  }
  return id;
}
