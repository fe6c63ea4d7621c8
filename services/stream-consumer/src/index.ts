export type { StreamConsumerConfig } from './config.ts';
export { streamConsumerConfigSchema } from './config.ts';
export { type RunningStreamConsumer, type StreamConsumerDeps, startStreamConsumer } from './consumer.ts';
export { handler } from './lambda.ts';
export { leaseTableDefinition } from './lease-table.ts';
export { type ShardStatus, type StreamStatus, streamStatus } from './status.ts';
export { compareSequenceNumbers } from './stream-record.ts';
export { type StreamsApi, sdkStreamsApi } from './streams-api.ts';
