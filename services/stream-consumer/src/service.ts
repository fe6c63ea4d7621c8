import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  createSnsClient,
  createSqsClient,
  createStreamsClient,
  type EventPublisher,
  registerDeadLetterDepth,
} from '@cruddur/aws';
import { createDocumentClient, waitForTables } from '@cruddur/ddb';
import {
  createApp,
  createMetricsRegistry,
  type RunningServer,
  ShutdownRegistry,
  startHttpServer,
} from '@cruddur/http';
import { createLogger, type Logger } from '@cruddur/logger';
import type { StreamConsumerConfig } from './config.ts';
import { recordEventPublisher } from './feed/record-publisher.ts';
import { RecordHandler } from './inbox/record-handler.ts';
import type { HeldLease } from './leases/held-lease.ts';
import { LeaseCoordinator } from './leases/lease-coordinator.ts';
import { LeaseStore } from './leases/lease-store.ts';
import { ConsumerMetrics } from './metrics.ts';
import { DeadLetterSink } from './records/dead-letter.ts';
import { BatchProcessor } from './shards/batch-processor.ts';
import { ShardDiscovery } from './shards/shard-discovery.ts';
import { ShardWorker } from './shards/shard-worker.ts';
import { isStreamsApi, type StreamsApi, sdkStreamsApi } from './shards/streams-api.ts';

export interface StreamConsumerDeps {
  logger?: Logger;
  /** The AWS client, or any StreamsApi (tests use an in-memory multi-shard stream). Default: a client for DDB_ENDPOINT. */
  streamsClient?: DynamoDBStreamsClient | StreamsApi;
  /** Where events go; default: REALTIME_DELIVERY's publisher (the recipients' replicas, or the topic). */
  publisher?: EventPublisher;
}

export interface RunningStreamConsumer {
  url: string;
  port: number;
  workerId: string;
  /** Graceful: finish each batch, checkpoint, release every lease, leave the fleet, close the server. */
  stop(): Promise<void>;
  /** Like kill -9 for in-process tests: stop at once, release nothing, so the leases must expire. */
  kill(): Promise<void>;
  /** Shard lease keys held right now. */
  leases(): string[];
}

/**
 * Starts one stream-consumer replica in this process: discovery, lease coordination, a worker per owned shard,
 * and an HTTP server with /healthz, /readyz and /metrics. Several may run in one process (tests, scripts/up).
 */
export async function startStreamConsumer(
  config: StreamConsumerConfig,
  deps: StreamConsumerDeps = {},
): Promise<RunningStreamConsumer> {
  const workerId = config.WORKER_ID;
  const logger = (
    deps.logger ??
    createLogger({ name: 'stream-consumer', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY })
  ).child({
    worker_id: workerId,
  });
  const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
  const ownStreams =
    deps.streamsClient === undefined
      ? createStreamsClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT })
      : undefined;
  const given = deps.streamsClient;
  const streams: StreamsApi =
    given === undefined ? sdkStreamsApi(ownStreams!) : isStreamsApi(given) ? given : sdkStreamsApi(given);
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const sns = createSnsClient({
    region: config.AWS_REGION,
    endpoint: config.SNS_ENDPOINT ?? config.SQS_ENDPOINT,
  });
  const registry = createMetricsRegistry('stream-consumer');
  registry.setDefaultLabels({ service: 'stream-consumer', worker_id: workerId });
  const metrics = new ConsumerMetrics(registry);
  // Records given up on wait in stream-dlq for an operator; every worker reports the same depth.
  registerDeadLetterDepth({ sqs, queues: { 'stream-dlq': config.STREAM_DLQ_URL }, registry });

  const processor = new BatchProcessor({
    handler: new RecordHandler({
      ddb,
      table: config.DDB_MESSAGE_TABLE,
      logger,
      onWriteUnits: (units) => metrics.inboxWriteUnits.inc(units),
    }),
    deadLetters: new DeadLetterSink({ sqs, queueUrl: config.STREAM_DLQ_URL, workerId }),
    publisher: recordEventPublisher(config, { ddb, sqs, sns }, deps.publisher),
    metrics,
    logger,
    maxAttempts: config.MAX_RECORD_ATTEMPTS,
    retryBaseMs: config.RETRY_BASE_MS,
    concurrency: config.RECORD_CONCURRENCY,
  });
  const store = new LeaseStore({ ddb, table: config.DDB_LEASE_TABLE });
  const discovery = new ShardDiscovery({
    streams,
    store,
    tableName: config.DDB_MESSAGE_TABLE,
    intervalMs: config.SHARD_SYNC_INTERVAL_MS,
    logger,
  });
  const workers = new Map<string, ShardWorker>();
  const coordinator: LeaseCoordinator = new LeaseCoordinator({
    store,
    workerId,
    durationMs: config.LEASE_DURATION_MS,
    takeIntervalMs: config.TAKE_INTERVAL_MS,
    logger,
    metrics,
    onAcquired: (lease: HeldLease) => {
      const worker = new ShardWorker({
        lease,
        streams,
        processor,
        coordinator,
        metrics,
        logger,
        batchSize: config.BATCH_SIZE,
        pollIntervalMs: config.POLL_INTERVAL_MS,
        onShardEnd: () => {
          workers.delete(lease.key);
          void discovery.sync().catch((err) => logger.warn({ err }, 'shard sync after shard end failed'));
        },
      });
      workers.set(lease.key, worker);
      worker.start();
    },
    onLost: (lease) => {
      const worker = workers.get(lease.key);
      // The reader of this holding only: a newer holding of the same shard keeps its own.
      if (worker?.lease !== lease) return;
      workers.delete(lease.key);
      void worker.kill();
    },
  });

  const app = createApp({
    logger,
    metrics: registry,
    readiness: {
      dynamodb: () => ddb.send(new DescribeTableCommand({ TableName: config.DDB_MESSAGE_TABLE })),
      'lease table': () => ddb.send(new DescribeTableCommand({ TableName: config.DDB_LEASE_TABLE })),
    },
  });
  // One registry stops every part, newest first: discovery and the lease timers, then the shard
  // workers (each finishes its batch and checkpoints), then the leases are released, then the server
  // and the clients. A failed start runs the same steps for what it had started.
  const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  shutdown.register('aws clients', async () => {
    ddb.destroy();
    ownStreams?.destroy();
    sqs.destroy();
    sns.destroy();
  });
  let server: RunningServer | undefined;
  shutdown.register('http server', async () => server?.close());
  shutdown.register('leases', () => coordinator.stop());
  shutdown.register('shard workers', async () => {
    await Promise.all([...workers.values()].map((w) => w.stop()));
  });
  shutdown.register('shard discovery', async () => {
    coordinator.stopTimers();
    await discovery.stop();
  });
  try {
    server = await startHttpServer(app, { port: config.PORT, host: config.HOST, logger });
    // Serving (and answering /readyz red) while the tables are awaited; tables that never come, or a DynamoDB
    // that never answers, fail the start without leaving the server or clients behind.
    await waitForTables(
      { region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT },
      [config.DDB_MESSAGE_TABLE, config.DDB_LEASE_TABLE],
      config.TABLE_WAIT_MS,
    );
    await discovery.start();
    await coordinator.start();
  } catch (err) {
    await shutdown.shutdown('start failed').catch(() => undefined);
    throw err;
  }
  const running = server;
  logger.info(
    { table: config.DDB_MESSAGE_TABLE, lease_table: config.DDB_LEASE_TABLE },
    'stream consumer started',
  );

  let killed: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    workerId,
    leases: () => coordinator.leases.map((l) => l.key),
    stop: () => shutdown.shutdown('stop'),
    kill: () => {
      // Not through the registry: a crash releases nothing, so the leases must expire.
      killed ??= (async () => {
        coordinator.stopTimers();
        await discovery.stop();
        await Promise.all([...workers.values()].map((w) => w.kill()));
        await running.close();
        ddb.destroy();
        ownStreams?.destroy();
        sqs.destroy();
        sns.destroy();
      })();
      return killed;
    },
  };
}
