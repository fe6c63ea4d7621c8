/**
 * Every stored item of the messages table and of the stream consumer's lease table, one module each: its zod
 * schema (the one definition of its attributes), its TypeScript type (`z.infer`) and its builder, which takes its
 * key from `keys.ts`. Writers build items with the builders; readers parse what DynamoDB returns with the schemas.
 */
export * from './conversation.ts';
export * from './feed.ts';
export * from './fields.ts';
export * from './idempotency.ts';
export * from './inbox.ts';
export * from './lease-worker.ts';
export * from './message.ts';
export * from './pair.ts';
export * from './parse.ts';
export * from './seed-anchor.ts';
export * from './shard-lease.ts';
export * from './stored-item.ts';
export * from './user.ts';
