import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { isEventOfType } from '@cruddur/contracts';
import { keys } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { MessageStore } from '@cruddur/messaging';
import {
  createWorld,
  sendMessage,
  startConversation,
  streamRecordOf,
  type TestWorld,
} from '@cruddur/stream-testing';
import { testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordHandler } from './record-handler.ts';

/**
 * A direct message committed just before its recipient's account is erased and applied by the stream consumer after
 * the erasure removed the recipient's row must not bring that row back (issue 15: no inbox row remains for a
 * deleted user). The erasure's steps are the messaging service's own store calls in its order: the profile
 * tombstone first, the rows after (account-deletion.ts).
 */
const stack = testStack();
let world: TestWorld;
let handler: RecordHandler;
let store: MessageStore;

beforeAll(async () => {
  world = await createWorld(stack);
  handler = new RecordHandler({ ddb: world.ddb, table: world.table, logger: silentLogger });
  store = new MessageStore(world.ddb, world.table);
});
afterAll(() => world?.dispose());

const rowOf = async (owner: string, group: string) =>
  (
    await world.ddb.send(
      new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item;

async function erase(userUuid: string, groupUuid: string) {
  await store.putDeletedProfile(userUuid);
  await store.deleteInboxRow(userUuid, groupUuid);
}

describe('a message applied after its recipient was erased', () => {
  it('moves the sender row and leaves the erased recipient without a row or an event', async () => {
    const { conversation: c, first } = await startConversation(world.ddb, world.table, 'first');
    await handler.handle(streamRecordOf(first));
    const late = await sendMessage(world.ddb, world.table, c, c.a, 'sent just before the erasure');
    await erase(c.b, c.group);

    const result = await handler.handle(streamRecordOf(late));
    expect(result.status).toBe('applied');
    if (result.status !== 'applied') return;
    expect(result.outcomes).toEqual({ [c.a]: 'advanced', [c.b]: 'gone' });
    expect(await rowOf(c.b, c.group)).toBeUndefined();
    expect(await rowOf(c.a, c.group)).toMatchObject({ last_message_key: late.sk });
    const owners = result.events
      .filter((e) => isEventOfType(e, 'inbox.updated'))
      .map((e) => (e.payload as { owner_uuid: string }).owner_uuid);
    expect(owners).toEqual([c.a]);
    // A replay of the record finds the same.
    await handler.handle(streamRecordOf(late));
    expect(await rowOf(c.b, c.group)).toBeUndefined();
  });

  it('never leaves a row when the erasure and the late message race, whichever wins', async () => {
    const races = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const { conversation: c, first } = await startConversation(world.ddb, world.table, 'first');
        await handler.handle(streamRecordOf(first));
        const late = await sendMessage(world.ddb, world.table, c, c.a, 'racing the erasure');
        await Promise.all([erase(c.b, c.group), handler.handle(streamRecordOf(late))]);
        // A redelivery after both (the stream's at-least-once) changes nothing either.
        await handler.handle(streamRecordOf(late));
        return { b: await rowOf(c.b, c.group), a: await rowOf(c.a, c.group), late };
      }),
    );
    for (const { a, b, late } of races) {
      expect(b).toBeUndefined();
      expect(a).toMatchObject({ last_message_key: late.sk });
    }
  });

  it('still makes a missing row for an owner whose account is not erased', async () => {
    const { conversation: c, first } = await startConversation(world.ddb, world.table, 'first');
    await handler.handle(streamRecordOf(first));
    await world.ddb.send(new DeleteCommand({ TableName: world.table, Key: keys.inbox(c.b, c.group) }));
    const next = await sendMessage(world.ddb, world.table, c, c.a, 'after the row went');

    const result = await handler.handle(streamRecordOf(next));
    expect(result.status === 'applied' && result.outcomes[c.b]).toBe('advanced');
    expect(await rowOf(c.b, c.group)).toMatchObject({
      last_message_key: next.sk,
      other_user_uuid: c.a,
      unread_count: 1,
    });
  });
});
