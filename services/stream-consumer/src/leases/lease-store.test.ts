import { describe, expect, it } from 'vitest';
import { buildCheckpoint, buildReleaseLease, buildTakeLease, type ShardLease } from './lease-store.ts';

describe('lease request builders', () => {
  const held: ShardLease = {
    lease_key: 'l#s',
    kind: 'shard',
    stream_arn: 'arn',
    shard_id: 's',
    owner: 'old',
    lease_counter: 7,
    expires_at: 0,
    checkpoint: '5',
  };
  it('fences every write on the counter (and the owner for the holder)', () => {
    expect(buildTakeLease('t', held, 'me', 1000, 500)).toMatchObject({
      ConditionExpression: 'lease_counter = :expected',
      ExpressionAttributeValues: { ':expected': 7, ':next': 8, ':exp': 1500, ':switch': 1 },
    });
    expect(buildCheckpoint('t', 'l#s', 'me', 8, '9', undefined, 0)).toMatchObject({
      ConditionExpression: 'lease_counter = :counter AND #owner = :me',
      ExpressionAttributeValues: { ':cp': '9', ':counter': 8 },
    });
    expect(buildReleaseLease('t', 'l#s', 'me', 8).UpdateExpression).toBe(
      'REMOVE #owner SET lease_counter = :next, expires_at = :zero',
    );
  });
});
