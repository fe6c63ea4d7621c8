/**
 * Test and benchmark support for the stream consumer, kept out of its runtime package: fixtures that write what
 * the messaging service writes and build a per-test world (tables, topic, queues), an in-memory multi-shard
 * stream behind `StreamsApi` (DynamoDB Local has one shard), and the stream benchmarks' private stack and
 * measurements. Importing it outside vitest is safe: `@cruddur/test-kit` is only loaded by `createWorld`.
 */
export * from './bench-support.ts';
export * from './fixtures.ts';
export * from './group-bench.ts';
export * from './in-memory-stream.ts';
export * from './raw-reader.ts';
export * from './records.ts';
