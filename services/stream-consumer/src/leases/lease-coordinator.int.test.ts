import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { shardLeaseKey } from '@cruddur/ddb';
import { createMetricsRegistry } from '@cruddur/http';
import { silentLogger } from '@cruddur/logger';
import { createLeaseTable } from '@cruddur/stream-testing';
import { documentClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConsumerMetrics } from '../metrics.ts';
import type { HeldLease } from './held-lease.ts';
import { LeaseCoordinator } from './lease-coordinator.ts';
import { LeaseStore } from './lease-store.ts';

const ARN = 'arn:aws:dynamodb:us-east-1:0:table/t/stream/label';
const stack = testStack();
const ddb = documentClient(stack);
let table: Awaited<ReturnType<typeof createLeaseTable>>;

beforeAll(async () => {
  table = await createLeaseTable(stack.dynamodbEndpoint, uniqueName('coordinator'));
});
afterAll(async () => {
  await table?.drop();
  ddb.destroy();
});

describe('LeaseCoordinator', () => {
  it('keeps one reader of a shard whose renewal came late, and renews it again', async () => {
    const store = new LeaseStore({ ddb, table: table.name });
    await store.createLease({ streamArn: ARN, shardId: 'late' });
    const key = shardLeaseKey(ARN, 'late');
    const acquired: HeldLease[] = [];
    const lost: HeldLease[] = [];
    const coordinator = new LeaseCoordinator({
      store,
      workerId: 'w1',
      // Renewals every second, take cycles every 50 ms: many cycles see the expiry before the next renewal.
      durationMs: 3_000,
      takeIntervalMs: 50,
      logger: silentLogger,
      metrics: new ConsumerMetrics(createMetricsRegistry('test')),
      onAcquired: (lease) => acquired.push(lease),
      onLost: (lease) => lost.push(lease),
    });
    const snapshots = vi.spyOn(store, 'snapshot');
    await coordinator.start();
    try {
      await vi.waitFor(() => expect(acquired).toHaveLength(1));
      // As a renewal that lands after the lease's expiry leaves it: still ours, counter unchanged, expired.
      await ddb.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { lease_key: key },
          UpdateExpression: 'SET expires_at = :past',
          ExpressionAttributeValues: { ':past': 0 },
        }),
      );
      const cyclesBefore = snapshots.mock.calls.length;
      await vi.waitFor(
        async () => {
          const item = await ddb.send(new GetCommand({ TableName: table.name, Key: { lease_key: key } }));
          expect(item.Item?.expires_at).toBeGreaterThan(Date.now());
          expect(snapshots.mock.calls.length).toBeGreaterThan(cyclesBefore + 3);
        },
        { timeout: 10_000 },
      );
      expect({ acquired: acquired.length, lost: lost.length }).toEqual({ acquired: 1, lost: 0 });
      expect(coordinator.leases).toEqual([acquired[0]]);
      expect(acquired[0]!.lost).toBe(false);
    } finally {
      await coordinator.stop();
    }
  });
});
