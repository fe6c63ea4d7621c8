import { hostname } from 'node:os';
import { baseSchema, envBoolean, port, positiveInt, z } from '@cruddur/config';
import { feedRetentionHoursSetting } from '@cruddur/contracts';
import { DEFAULT_MESSAGE_TABLE } from '@cruddur/ddb';
import { DEFAULT_CONNECTION_TABLE, deliveryModeSetting } from '@cruddur/realtime';

export const streamConsumerConfigSchema = baseSchema.extend({
  PORT: port(4573),
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  DDB_LEASE_TABLE: z.string().min(3).default('cruddur-stream-leases'),
  MESSAGE_EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
  /** How pushes reach gateway replicas: `targeted` (to the replicas holding a recipient) or `broadcast` (the topic). */
  REALTIME_DELIVERY: deliveryModeSetting,
  /** The connection registry the targeted publisher reads (who is connected to which replica). */
  DDB_CONNECTION_TABLE: z.string().min(3).default(DEFAULT_CONNECTION_TABLE),
  /** Publishers cache which replicas are live this long. */
  REPLICA_CACHE_MS: positiveInt(2_000),
  /**
   * Targeted delivery: also publish every event to the topic for its durable subscribers (the message-events queue,
   * read by `scripts/ddb/verify`); no gateway subscribes to it. Off where nothing reads that copy.
   */
  MESSAGE_EVENTS_TOPIC_COPY: envBoolean(true),
  STREAM_DLQ_URL: z.url(),
  /** Unique per replica: leases are owned by it. Host name plus pid keeps two replicas on one host apart. */
  WORKER_ID: z
    .string()
    .min(1)
    .max(200)
    .default(() => `${hostname()}-${process.pid}`),
  /** A lease not renewed for this long is taken over; renewals run every third of it (as in KCL). */
  LEASE_DURATION_MS: positiveInt(10_000),
  /** Pause between GetRecords calls on a shard that returned nothing; 250 ms is Lambda's 4 polls per second. */
  POLL_INTERVAL_MS: positiveInt(250),
  /** How often the coordinator looks for leases to take or steal and the stream for new shards. */
  TAKE_INTERVAL_MS: positiveInt(2_000),
  SHARD_SYNC_INTERVAL_MS: positiveInt(10_000),
  /**
   * At start, how long to wait for the message and lease tables to exist (a DynamoDB still booting, a schema not
   * loaded yet) before failing; /readyz is red meanwhile.
   */
  TABLE_WAIT_MS: positiveInt(60_000),
  /** GetRecords Limit: at most 1000 on DynamoDB Streams. */
  BATCH_SIZE: positiveInt(1000).pipe(z.number().max(1000)),
  MAX_RECORD_ATTEMPTS: positiveInt(5),
  /** First retry delay of a failing record; later ones double, with full jitter. */
  RETRY_BASE_MS: positiveInt(100),
  /** Records of different conversations in one batch are handled this many at a time (each conversation in order). */
  RECORD_CONCURRENCY: positiveInt(16),
  /** How long each change stays in its recipients' feeds for replay (the items' TTL); at least 24. */
  FEED_RETENTION_HOURS: feedRetentionHoursSetting,
  /** A feed write not done this long after its keys were taken fails and is redone; below the gateway's overlap. */
  FEED_WRITE_DEADLINE_MS: positiveInt(10_000),
});
export type StreamConsumerConfig = z.infer<typeof streamConsumerConfigSchema>;

/** The Lambda handler needs only the table, the topic and the dead-letter queue: no leases, no server. */
export const lambdaConfigSchema = baseSchema.extend({
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  MESSAGE_EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
  /** How pushes reach gateway replicas: `targeted` (to the replicas holding a recipient) or `broadcast` (the topic). */
  REALTIME_DELIVERY: deliveryModeSetting,
  /** The connection registry the targeted publisher reads (who is connected to which replica). */
  DDB_CONNECTION_TABLE: z.string().min(3).default(DEFAULT_CONNECTION_TABLE),
  /** Publishers cache which replicas are live this long. */
  REPLICA_CACHE_MS: positiveInt(2_000),
  /**
   * Targeted delivery: also publish every event to the topic for its durable subscribers (the message-events queue,
   * read by `scripts/ddb/verify`); no gateway subscribes to it. Off where nothing reads that copy.
   */
  MESSAGE_EVENTS_TOPIC_COPY: envBoolean(true),
  STREAM_DLQ_URL: z.url(),
  FEED_RETENTION_HOURS: feedRetentionHoursSetting,
  FEED_WRITE_DEADLINE_MS: positiveInt(10_000),
});
export type LambdaConfig = z.infer<typeof lambdaConfigSchema>;
