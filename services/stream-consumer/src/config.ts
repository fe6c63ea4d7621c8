import { baseSchema, port, positiveInt, z } from '@cruddur/config';
import { DEFAULT_MESSAGE_TABLE } from '@cruddur/ddb';

export const streamConsumerConfigSchema = baseSchema.extend({
  PORT: port(4573),
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  DDB_LEASE_TABLE: z.string().min(3).default('cruddur-stream-leases'),
  MESSAGE_EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
  STREAM_DLQ_URL: z.url(),
  LEASE_DURATION_MS: positiveInt(10_000),
  MAX_RECORD_ATTEMPTS: positiveInt(5),
});
export type StreamConsumerConfig = z.infer<typeof streamConsumerConfigSchema>;
