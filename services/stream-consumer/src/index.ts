export type { StreamConsumerConfig } from './config.ts';
export { streamConsumerConfigSchema } from './config.ts';
export { buildAdvanceInbox } from './inbox/inbox-requests.ts';
export { handler } from './lambda.ts';
export { leaseTableDefinition } from './leases/lease-table.ts';
export { compareSequenceNumbers, type StreamRecord } from './records/stream-record.ts';
export { type RunningStreamConsumer, type StreamConsumerDeps, startStreamConsumer } from './service.ts';
export { type StreamsApi, sdkStreamsApi } from './shards/streams-api.ts';
export { type ShardStatus, type StreamStatus, streamStatus } from './status/stream-status.ts';
