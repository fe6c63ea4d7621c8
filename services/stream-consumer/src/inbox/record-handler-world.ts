import { silentLogger } from '@cruddur/logger';
import { MessageStore } from '@cruddur/messaging';
import { createWorld, type TestWorld } from '@cruddur/stream-testing';
import { testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll } from 'vitest';
import { RecordHandler } from './record-handler.ts';

export interface RecordHandlerWorld {
  world: TestWorld;
  handler: RecordHandler;
  /** The messaging service's own store, so a test writes items as the service does. */
  store: MessageStore;
}

/**
 * For a record handler test file: a message table of its own on DynamoDB Local (made before its tests, dropped
 * after), the record handler over it, and the messaging service's store. Filled in by `beforeAll`.
 */
export function useRecordHandlerWorld(): RecordHandlerWorld {
  const stack = testStack();
  const ctx = {} as RecordHandlerWorld;
  beforeAll(async () => {
    ctx.world = await createWorld(stack);
    ctx.handler = new RecordHandler({ ddb: ctx.world.ddb, table: ctx.world.table, logger: silentLogger });
    ctx.store = new MessageStore(ctx.world.ddb, ctx.world.table);
  });
  afterAll(() => ctx.world?.dispose());
  return ctx;
}
