import { describe, expect, it } from 'vitest';
import { keys, shardLeaseKey } from '../keys.ts';
import { conversationItem } from './conversation.ts';
import { sortedMembers } from './fields.ts';
import { idempotencyItem } from './idempotency.ts';
import { workerItem } from './lease-worker.ts';
import { messageItem } from './message.ts';
import { pairItem } from './pair.ts';
import { seedAnchorItem } from './seed-anchor.ts';
import { newShardLease, TRIM_HORIZON } from './shard-lease.ts';
import { parseStoredItem } from './stored-item.ts';
import { userItem } from './user.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const G = '00000000-0000-4000-8000-0000000000aa';
const at = '2026-11-25T10:00:00.000Z';
const ARN = 'arn:aws:dynamodb:r:0:table/t/stream/label';

const parsesAsIs = (item: Record<string, unknown>) =>
  expect(parseStoredItem(item)).toEqual({ ok: true, item });

describe('every stored item', () => {
  it('parses as the builders write it, under the key keys.ts gives', () => {
    const members = sortedMembers(B, A);
    expect(members).toEqual([A, B]);
    const conversation = conversationItem({ groupUuid: G, members, createdAt: at });
    expect(conversation).toMatchObject(keys.conversation(G));
    parsesAsIs(conversation);
    const pair = pairItem({ userA: B, userB: A, groupUuid: G, createdAt: at });
    expect(pair).toMatchObject(keys.pair(A, B));
    parsesAsIs(pair);
    parsesAsIs(seedAnchorItem(at));
    parsesAsIs(
      messageItem({ groupUuid: G, messageUuid: B, senderUuid: A, text: 't', createdAt: at, members }),
    );
  });

  it('parses what the table really holds: idempotency TTL fields, version-0 seed profiles', () => {
    const record = idempotencyItem(
      {
        senderUuid: A,
        key: 'k1',
        requestHash: 'h',
        createdConversation: true,
        createdAt: at,
        expiresAt: 1_764_000_000,
      },
      G,
      `${at}#${B}`,
    );
    expect(record).toMatchObject({ created_conversation: true, expires_at: 1_764_000_000 });
    parsesAsIs(record);
    // What scripts/ddb/seed writes for its users before any users-events arrive.
    parsesAsIs(
      userItem({ uuid: A, handle: 'andrewbrown', display_name: 'Andrew Brown', bio: null, version: 0 }),
    );
  });

  it('parses the lease table items by kind', () => {
    const lease = newShardLease({ streamArn: ARN, shardId: 's1', parentShardId: 's0' }, at);
    expect(lease).toMatchObject({
      lease_key: shardLeaseKey(ARN, 's1'),
      lease_counter: 0,
      checkpoint: TRIM_HORIZON,
    });
    parsesAsIs(lease);
    parsesAsIs(
      workerItem({
        worker_id: 'w1',
        expires_at: 1,
        last_heartbeat: at,
        started_at: at,
        leases_held: 0,
        host: 'h',
        pid: 1,
      }),
    );
    expect(parseStoredItem({ ...lease, lease_key: 'other#s1' }).ok).toBe(false);
  });

  it('refuses items no schema is for', () => {
    const unknown = parseStoredItem({ pk: 'NOPE#1', sk: 'x' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatchObject({ pk: 'NOPE#1', sk: 'x' });
    expect(parseStoredItem({ lease_key: 'x', kind: 'other' }).ok).toBe(false);
    expect(
      parseStoredItem({
        ...userItem({ uuid: A, handle: 'a', display_name: 'A', bio: null, version: 1 }),
        pk: keys.user(B).pk,
      }).ok,
    ).toBe(false);
  });
});
