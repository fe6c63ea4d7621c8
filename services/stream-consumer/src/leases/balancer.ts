import { SHARD_END, type ShardLease, shardLeaseKey, type WorkerItem } from '@cruddur/ddb';

export interface TakePlan {
  /** Free or expired leases to take, expired ones being all there is to take before any stealing. */
  take: ShardLease[];
  /** At most one lease to steal from the busiest worker, only when nothing is free and the fleet is unbalanced. */
  steal: ShardLease | undefined;
  target: number;
}

export const isExpired = (lease: ShardLease, now: number) =>
  lease.owner === undefined || lease.expires_at <= now;

/** The worker planning: its id, and the leases it holds in memory and keeps renewing. */
export interface PlanningWorker {
  id: string;
  holding: ReadonlySet<string>;
}

/**
 * A child shard is read only after its parent is finished (DynamoDB's ordering rule across a split or rollover).
 * A parent without a lease has been trimmed away, and discovery creates parents' leases before children's, so a
 * missing parent lease means there is nothing left to wait for.
 */
export function parentsDone(lease: ShardLease, byKey: ReadonlyMap<string, ShardLease>): boolean {
  if (!lease.parent_shard_id) return true;
  const parent = byKey.get(shardLeaseKey(lease.stream_arn, lease.parent_shard_id));
  return parent === undefined || parent.checkpoint === SHARD_END;
}

/** Leases that someone should be reading now: not finished, and their parent finished. */
export function workableLeases(leases: readonly ShardLease[]): ShardLease[] {
  const byKey = new Map(leases.map((l) => [l.lease_key, l]));
  return leases.filter((l) => l.checkpoint !== SHARD_END && parentsDone(l, byKey));
}

/**
 * KCL-style balancing by lease count. Each worker aims for ceil(workable / live workers). It takes free and
 * expired leases first, in random order so workers starting together spread out; only when none is left and
 * the busiest worker holds at least two more than this one does it steal one lease, one per cycle, so the fleet
 * converges without leases bouncing between workers.
 *
 * A lease the planning worker still holds is its own even when the table says it expired: a renewal was late, and
 * the next one extends it (renewals are fenced on owner and counter, not on expiry). Taking it again would start a
 * second reader of the shard in the same process, and the first one's fenced checkpoint would then stop both.
 */
export function planTakes(
  leases: readonly ShardLease[],
  workers: readonly WorkerItem[],
  planner: PlanningWorker,
  now: number,
  random: () => number = Math.random,
): TakePlan {
  const workerId = planner.id;
  const expired = (lease: ShardLease) =>
    isExpired(lease, now) && !(lease.owner === workerId && planner.holding.has(lease.lease_key));
  const workable = workableLeases(leases);
  const live = new Set(workers.filter((w) => w.expires_at > now).map((w) => w.worker_id));
  live.add(workerId);
  const target = Math.ceil(workable.length / live.size);
  const held = new Map<string, ShardLease[]>();
  for (const lease of workable) {
    if (expired(lease)) continue;
    const list = held.get(lease.owner!) ?? [];
    list.push(lease);
    held.set(lease.owner!, list);
  }
  const mine = held.get(workerId)?.length ?? 0;
  if (mine >= target) return { take: [], steal: undefined, target };
  const free = shuffle(workable.filter(expired), random);
  if (free.length > 0) return { take: free.slice(0, target - mine), steal: undefined, target };
  let busiest: ShardLease[] = [];
  for (const [owner, list] of held) {
    if (owner !== workerId && list.length > busiest.length) busiest = list;
  }
  if (busiest.length - mine < 2) return { take: [], steal: undefined, target };
  return { take: [], steal: busiest[Math.floor(random() * busiest.length)], target };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
