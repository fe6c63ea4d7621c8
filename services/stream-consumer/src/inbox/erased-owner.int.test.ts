import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { isEventOfType } from '@cruddur/contracts';
import { keys } from '@cruddur/ddb';
import { sendMessage, startConversation, streamRecordOf } from '@cruddur/stream-testing';
import { describe, expect, it } from 'vitest';
import { useRecordHandlerWorld } from './record-handler-world.ts';

/**
 * A direct message committed just before its recipient's account is erased and applied by the stream consumer after
 * the erasure removed the recipient's row must not bring that row back (issue 15: no inbox row remains for a
 * deleted user). The erasure's steps are the messaging service's own store calls in its order: the profile
 * tombstone first, the rows after (account-deletion.ts).
 */
const t = useRecordHandlerWorld();

const rowOf = async (owner: string, group: string) =>
  (
    await t.world.ddb.send(
      new GetCommand({ TableName: t.world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item;

async function erase(userUuid: string, groupUuid: string) {
  await t.store.putDeletedProfile(userUuid);
  await t.store.deleteInboxRow(userUuid, groupUuid);
}

describe('a message applied after its recipient was erased', () => {
  it('moves the sender row and leaves the erased recipient without a row or an event', async () => {
    const { conversation: c, first } = await startConversation(t.world.ddb, t.world.table, 'first');
    await t.handler.handle(streamRecordOf(first));
    const late = await sendMessage(t.world.ddb, t.world.table, c, c.a, 'sent just before the erasure');
    await erase(c.b, c.group);

    const result = await t.handler.handle(streamRecordOf(late));
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
    await t.handler.handle(streamRecordOf(late));
    expect(await rowOf(c.b, c.group)).toBeUndefined();
  });

  it('never leaves a row when the erasure and the late message race, whichever wins', async () => {
    const races = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const { conversation: c, first } = await startConversation(t.world.ddb, t.world.table, 'first');
        await t.handler.handle(streamRecordOf(first));
        const late = await sendMessage(t.world.ddb, t.world.table, c, c.a, 'racing the erasure');
        await Promise.all([erase(c.b, c.group), t.handler.handle(streamRecordOf(late))]);
        // A redelivery after both (the stream's at-least-once) changes nothing either.
        await t.handler.handle(streamRecordOf(late));
        return { b: await rowOf(c.b, c.group), a: await rowOf(c.a, c.group), late };
      }),
    );
    for (const { a, b, late } of races) {
      expect(b).toBeUndefined();
      expect(a).toMatchObject({ last_message_key: late.sk });
    }
  });

  it('still makes a missing row for an owner whose account is not erased', async () => {
    const { conversation: c, first } = await startConversation(t.world.ddb, t.world.table, 'first');
    await t.handler.handle(streamRecordOf(first));
    await t.world.ddb.send(new DeleteCommand({ TableName: t.world.table, Key: keys.inbox(c.b, c.group) }));
    const next = await sendMessage(t.world.ddb, t.world.table, c, c.a, 'after the row went');

    const result = await t.handler.handle(streamRecordOf(next));
    expect(result.status === 'applied' && result.outcomes[c.b]).toBe('advanced');
    expect(await rowOf(c.b, c.group)).toMatchObject({
      last_message_key: next.sk,
      other_user_uuid: c.a,
      unread_count: 1,
    });
  });
});
