import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { MalformedItemError, shardLeaseKey } from '@cruddur/ddb';
import { createLeaseTable } from '@cruddur/stream-testing';
import { documentClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseStore } from './lease-store.ts';

const ARN = 'arn:aws:dynamodb:us-east-1:0:table/t/stream/label';
const stack = testStack();
const ddb = documentClient(stack);
let table: Awaited<ReturnType<typeof createLeaseTable>>;

beforeAll(async () => {
  table = await createLeaseTable(stack.dynamodbEndpoint, uniqueName('leases'));
});
afterAll(async () => {
  await table?.drop();
  ddb.destroy();
});

describe('LeaseStore', () => {
  it('reads the lease table through the item schemas, and sets a malformed item apart', async () => {
    const store = new LeaseStore({ ddb, table: table.name });
    await store.createLease({ streamArn: ARN, shardId: 'good' });
    await store.heartbeat({
      worker_id: 'w1',
      expires_at: Date.now() + 1_000,
      last_heartbeat: new Date().toISOString(),
      started_at: new Date().toISOString(),
      leases_held: 0,
    });
    const badKey = shardLeaseKey(ARN, 'bad');
    await ddb.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          lease_key: badKey,
          kind: 'shard',
          stream_arn: ARN,
          shard_id: 'bad',
          checkpoint: 'TRIM_HORIZON',
        },
      }),
    );

    const snapshot = await store.snapshot();
    expect(snapshot.leases.map((l) => l.shard_id)).toEqual(['good']);
    expect(snapshot.workers.map((w) => w.worker_id)).toEqual(['w1']);
    expect(snapshot.malformed).toHaveLength(1);
    expect(snapshot.malformed[0]).toBeInstanceOf(MalformedItemError);
    expect(snapshot.malformed[0]).toMatchObject({ leaseKey: badKey });
    expect(snapshot.malformed[0]!.issues.map((i) => i.path[0]).sort()).toEqual([
      'expires_at',
      'lease_counter',
    ]);

    const taken = await store.take(snapshot.leases[0]!, 'w1', 1_000);
    expect(taken).toMatchObject({ owner: 'w1', lease_counter: 1 });
  });
});
