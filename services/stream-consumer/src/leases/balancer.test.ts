import {
  newShardLease,
  SHARD_END,
  type ShardLease,
  shardLeaseKey,
  type WorkerItem,
  workerItem,
} from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import { parentsDone, planTakes, workableLeases } from './balancer.ts';

const ARN = 'arn:aws:dynamodb:r:0:table/t/stream/label';
const NOW = 1_000_000;

const AT = '2026-05-01T10:00:00.000Z';

function lease(shard: string, over: Partial<ShardLease> = {}): ShardLease {
  return {
    ...newShardLease({ streamArn: ARN, shardId: shard }, AT),
    lease_counter: 1,
    expires_at: NOW + 5_000,
    ...over,
  };
}
const worker = (id: string, alive = true): WorkerItem =>
  workerItem({
    worker_id: id,
    expires_at: alive ? NOW + 5_000 : NOW - 1,
    last_heartbeat: AT,
    started_at: AT,
    leases_held: 0,
  });
const noRandom = () => 0;
const ME = { id: 'me', holding: new Set<string>() };

describe('planTakes', () => {
  it('takes every free lease when alone', () => {
    const leases = ['a', 'b', 'c'].map((s) => lease(s, { owner: undefined, expires_at: 0 }));
    const plan = planTakes(leases, [], ME, NOW, noRandom);
    expect(plan.take.map((l) => l.shard_id).sort()).toEqual(['a', 'b', 'c']);
    expect(plan.steal).toBeUndefined();
  });

  it('takes expired leases up to its share before stealing anything', () => {
    const leases = [
      lease('a', { owner: 'dead', expires_at: NOW - 1 }),
      lease('b', { owner: 'dead', expires_at: NOW - 1 }),
      lease('c', { owner: 'other' }),
      lease('d', { owner: 'other' }),
    ];
    const plan = planTakes(leases, [worker('other')], ME, NOW, noRandom);
    expect(plan.target).toBe(2);
    expect(plan.take.map((l) => l.shard_id).sort()).toEqual(['a', 'b']);
    expect(plan.steal).toBeUndefined();
  });

  it('steals one lease from the busiest worker only when the gap is two or more', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => lease(s, { owner: 'busy' }));
    expect(planTakes(six, [worker('busy')], ME, NOW, noRandom).steal?.owner).toBe('busy');
    const balanced = [
      ...['a', 'b', 'c'].map((s) => lease(s, { owner: 'x' })),
      ...['d', 'e'].map((s) => lease(s, { owner: 'me' })),
    ];
    expect(planTakes(balanced, [worker('x')], ME, NOW, noRandom)).toMatchObject({
      take: [],
      steal: undefined,
    });
  });

  it('keeps a lease it holds whose renewal is late, and takes its own expired lease it no longer holds', () => {
    const late = lease('late', { owner: 'me', expires_at: NOW - 1 });
    const forgotten = lease('forgotten', { owner: 'me', expires_at: NOW - 1 });
    const plan = planTakes(
      [late, forgotten],
      [],
      { id: 'me', holding: new Set([late.lease_key]) },
      NOW,
      noRandom,
    );
    expect(plan.take.map((l) => l.shard_id)).toEqual(['forgotten']);
    // Held in memory, but someone else's in the table: stolen, not ours to keep.
    const stolen = lease('late', { owner: 'other', expires_at: NOW - 1 });
    expect(
      planTakes([stolen], [], { id: 'me', holding: new Set([stolen.lease_key]) }, NOW, noRandom).take,
    ).toHaveLength(1);
  });

  it('counts only live workers in the fleet and ignores finished and waiting shards', () => {
    const leases = [
      lease('parent', { checkpoint: SHARD_END, owner: undefined }),
      lease('child', { parent_shard_id: 'parent', owner: undefined, expires_at: 0 }),
      lease('open', { parent_shard_id: 'busy-parent', owner: undefined, expires_at: 0 }),
      lease('busy-parent', { owner: 'x' }),
    ];
    expect(
      workableLeases(leases)
        .map((l) => l.shard_id)
        .sort(),
    ).toEqual(['busy-parent', 'child']);
    const plan = planTakes(leases, [worker('x'), worker('gone', false)], ME, NOW, noRandom);
    expect(plan.target).toBe(1);
    expect(plan.take.map((l) => l.shard_id)).toEqual(['child']);
  });
});

describe('parentsDone', () => {
  it('waits for an unfinished parent, not for one that was trimmed away', () => {
    const child = lease('c', { parent_shard_id: 'p' });
    expect(parentsDone(child, new Map([[shardLeaseKey(ARN, 'p'), lease('p')]]))).toBe(false);
    expect(
      parentsDone(child, new Map([[shardLeaseKey(ARN, 'p'), lease('p', { checkpoint: SHARD_END })]])),
    ).toBe(true);
    expect(parentsDone(child, new Map())).toBe(true);
  });
});
