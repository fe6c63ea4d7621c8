import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SHARD_END, type ShardLease, shardLeaseKey, TRIM_HORIZON } from '@cruddur/ddb';
import { isExpired, workableLeases } from '../leases/balancer.ts';
import { LeaseStore } from '../leases/lease-store.ts';
import { classifyRecord } from '../records/message-record.ts';
import { fromSdkRecord } from '../records/stream-record.ts';
import { describeTableShards } from '../shards/shard-discovery.ts';
import type { StreamsApi } from '../shards/streams-api.ts';

export interface ShardStatus {
  stream_arn: string;
  shard_id: string;
  parent_shard_id: string | null;
  closed: boolean;
  /** `no lease` (not discovered yet), `waiting` (parent unfinished), `unowned`, `owned`, `expired`, `finished`. */
  state: 'no lease' | 'waiting' | 'unowned' | 'owned' | 'expired' | 'finished';
  owner: string | null;
  lease_age_ms: number | null;
  lease_counter: number | null;
  checkpoint: string | null;
  /** Records after the checkpoint (a lower bound when `pending_capped`). */
  pending_records: number | null;
  pending_capped: boolean;
  /** How far the checkpoint is behind the newest record in the shard. */
  lag_ms: number | null;
}

interface WorkerStatus {
  worker_id: string;
  alive: boolean;
  last_heartbeat: string;
  heartbeat_age_ms: number;
  leases_held: number;
  host: string | null;
  pid: number | null;
}

export interface StreamStatus {
  table: string;
  lease_table: string;
  generated_at: string;
  shards: ShardStatus[];
  workers: WorkerStatus[];
}

export interface StreamStatusOptions {
  streams: StreamsApi;
  ddb: DynamoDBDocumentClient;
  table: string;
  leaseTable: string;
  /** GetRecords pages read after each checkpoint to count what is pending (1000 records a page). */
  maxPages?: number;
  now?: number;
}

/** What `scripts/ops/stream-status` prints: every shard with its lease and lag, and the workers. Reads only. */
export async function streamStatus(options: StreamStatusOptions): Promise<StreamStatus> {
  const { streams, ddb, table, leaseTable, maxPages = 5 } = options;
  const now = options.now ?? Date.now();
  const [shards, snapshot] = await Promise.all([
    describeTableShards(streams, table),
    new LeaseStore({ ddb, table: leaseTable }).snapshot(),
  ]);
  const byKey = new Map(snapshot.leases.map((l) => [l.lease_key, l]));
  const workable = new Set(workableLeases(snapshot.leases).map((l) => l.lease_key));
  const rows = await Promise.all(
    shards.map(async (shard): Promise<ShardStatus> => {
      const lease = byKey.get(shardLeaseKey(shard.streamArn, shard.shardId));
      const pending = lease ? await pendingAfter(streams, lease, maxPages) : undefined;
      return {
        stream_arn: shard.streamArn,
        shard_id: shard.shardId,
        parent_shard_id: shard.parentShardId ?? null,
        closed: shard.closed,
        state: stateOf(lease, workable, now),
        owner: lease?.owner ?? null,
        lease_age_ms: lease?.last_heartbeat ? now - Date.parse(lease.last_heartbeat) : null,
        lease_counter: lease?.lease_counter ?? null,
        checkpoint: lease?.checkpoint ?? null,
        pending_records: pending?.count ?? null,
        pending_capped: pending?.capped ?? false,
        lag_ms: pending ? pending.lagMs : null,
      };
    }),
  );
  const workers = snapshot.workers
    .map((w) => ({
      worker_id: w.worker_id,
      alive: w.expires_at > now,
      last_heartbeat: w.last_heartbeat,
      heartbeat_age_ms: now - Date.parse(w.last_heartbeat),
      leases_held: snapshot.leases.filter((l) => l.owner === w.worker_id && !isExpired(l, now)).length,
      host: w.host ?? null,
      pid: w.pid ?? null,
    }))
    .sort((a, b) => a.worker_id.localeCompare(b.worker_id));
  return { table, lease_table: leaseTable, generated_at: new Date(now).toISOString(), shards: rows, workers };
}

function stateOf(lease: ShardLease | undefined, workable: Set<string>, now: number): ShardStatus['state'] {
  if (!lease) return 'no lease';
  if (lease.checkpoint === SHARD_END) return 'finished';
  if (!workable.has(lease.lease_key)) return 'waiting';
  if (lease.owner === undefined) return 'unowned';
  return isExpired(lease, now) ? 'expired' : 'owned';
}

async function pendingAfter(streams: StreamsApi, lease: ShardLease, maxPages: number) {
  if (lease.checkpoint === SHARD_END) return { count: 0, capped: false, lagMs: 0 };
  try {
    const { ShardIterator } = await streams.getShardIterator(
      lease.checkpoint === TRIM_HORIZON
        ? { StreamArn: lease.stream_arn, ShardId: lease.shard_id, ShardIteratorType: 'TRIM_HORIZON' }
        : {
            StreamArn: lease.stream_arn,
            ShardId: lease.shard_id,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: lease.checkpoint,
          },
    );
    let iterator = ShardIterator;
    let count = 0;
    let oldest: number | undefined;
    let newest: number | undefined;
    let pages = 0;
    while (iterator && pages < maxPages) {
      const out = await streams.getRecords({ ShardIterator: iterator, Limit: 1000 });
      pages++;
      const records = out.Records ?? [];
      for (const raw of records) {
        const record = fromSdkRecord(raw);
        const classified = classifyRecord(record);
        const at =
          classified.kind === 'message'
            ? Date.parse(classified.message.created_at)
            : record.approximateCreatedAtMs;
        if (at !== undefined) {
          oldest = oldest === undefined ? at : Math.min(oldest, at);
          newest = newest === undefined ? at : Math.max(newest, at);
        }
      }
      count += records.length;
      if (records.length === 0) break;
      iterator = out.NextShardIterator;
    }
    const base = lease.checkpoint_record_at ?? oldest;
    const lagMs = count === 0 || newest === undefined || base === undefined ? 0 : Math.max(0, newest - base);
    return { count, capped: pages >= maxPages && iterator !== undefined, lagMs };
  } catch {
    // Trimmed or expired history: the worker will recover it; the status just cannot count it.
    return undefined;
  }
}
