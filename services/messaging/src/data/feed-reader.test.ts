import { describe, expect, it } from 'vitest';
import { buildReadFeed } from './feed-reader.ts';

describe('buildReadFeed', () => {
  it('reads one owner after the key, strongly consistent, leaving out what TTL has not removed yet', () => {
    expect(buildReadFeed('t', 'u1', '2026-12-01T10:00:00.000Z#000000#0', 50, 1_700_000_000)).toEqual({
      TableName: 't',
      KeyConditionExpression: 'pk = :pk AND sk > :after',
      FilterExpression: 'expires_at > :now',
      ExpressionAttributeValues: {
        ':pk': 'FEED#u1',
        ':after': '2026-12-01T10:00:00.000Z#000000#0',
        ':now': 1_700_000_000,
      },
      ConsistentRead: true,
      Limit: 50,
    });
  });
});
