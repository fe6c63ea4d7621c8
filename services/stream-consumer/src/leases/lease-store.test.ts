import { newShardLease, type ShardLease } from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import { buildCheckpoint, buildReleaseLease, buildTakeLease } from './lease-store.ts';

describe('lease request builders', () => {
  const held: ShardLease = {
    ...newShardLease({ streamArn: 'arn', shardId: 's' }, '2026-05-01T10:00:00.000Z'),
    owner: 'old',
    lease_counter: 7,
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
