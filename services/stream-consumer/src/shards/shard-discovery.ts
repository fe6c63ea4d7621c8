import type { Shard } from '@aws-sdk/client-dynamodb-streams';
import { SHARD_END, shardLeaseKey } from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import type { LeaseStore } from '../leases/lease-store.ts';
import type { StreamsApi } from './streams-api.ts';

export interface DiscoveredShard {
  streamArn: string;
  shardId: string;
  parentShardId: string | undefined;
  closed: boolean;
}

/** Every stream of the table (a disabled one stays readable for 24 h and must be finished) and every shard of each. */
export async function describeTableShards(
  streams: StreamsApi,
  tableName: string,
): Promise<DiscoveredShard[]> {
  const arns: string[] = [];
  let startArn: string | undefined;
  do {
    const page = await streams.listStreams({ TableName: tableName, ExclusiveStartStreamArn: startArn });
    for (const s of page.Streams ?? []) if (s.StreamArn) arns.push(s.StreamArn);
    startArn = page.LastEvaluatedStreamArn;
  } while (startArn);
  const shards: DiscoveredShard[] = [];
  for (const streamArn of arns) {
    let startShard: string | undefined;
    do {
      const { StreamDescription: d } = await streams.describeStream({
        StreamArn: streamArn,
        ExclusiveStartShardId: startShard,
      });
      for (const shard of d?.Shards ?? []) shards.push(toDiscovered(streamArn, shard));
      startShard = d?.LastEvaluatedShardId;
    } while (startShard);
  }
  return shards;
}

function toDiscovered(streamArn: string, shard: Shard): DiscoveredShard {
  return {
    streamArn,
    shardId: shard.ShardId!,
    parentShardId: shard.ParentShardId,
    closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
  };
}

/** Parents before children, so a child lease never exists while its parent's lease is still to be created. */
function parentsFirst(shards: readonly DiscoveredShard[]): DiscoveredShard[] {
  const byKey = new Map(shards.map((s) => [shardLeaseKey(s.streamArn, s.shardId), s]));
  const out: DiscoveredShard[] = [];
  const seen = new Set<string>();
  const visit = (shard: DiscoveredShard) => {
    const key = shardLeaseKey(shard.streamArn, shard.shardId);
    if (seen.has(key)) return;
    seen.add(key);
    const parent = shard.parentShardId
      ? byKey.get(shardLeaseKey(shard.streamArn, shard.parentShardId))
      : undefined;
    if (parent) visit(parent);
    out.push(shard);
  };
  shards.forEach(visit);
  return out;
}

/**
 * Keeps the lease table in step with the stream: a lease for every new shard (DescribeStream is paginated and
 * lists shards in no useful order, so lineage comes from ParentShardId), and finished leases dropped once their
 * shard has been trimmed out of the stream.
 */
export class ShardDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly logger: Logger;

  constructor(
    private readonly options: {
      streams: StreamsApi;
      store: LeaseStore;
      tableName: string;
      intervalMs: number;
      logger: Logger;
    },
  ) {
    this.logger = options.logger.child({ component: 'shard-discovery' });
  }

  async start(): Promise<void> {
    this.running = true;
    await this.sync().catch((err) => this.logger.warn({ err }, 'shard sync failed; retrying'));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** One pass; returns how many leases it created. Also called when a shard ends, so children start promptly. */
  async sync(): Promise<number> {
    const { streams, store, tableName } = this.options;
    const shards = parentsFirst(await describeTableShards(streams, tableName));
    let created = 0;
    // In order, stopping at the first error: a child's lease must not exist before its parent's.
    for (const shard of shards) if (await store.createLease(shard)) created++;
    if (created > 0) this.logger.info({ created, shards: shards.length }, 'new shard leases');
    const present = new Set(shards.map((s) => shardLeaseKey(s.streamArn, s.shardId)));
    const { leases } = await store.snapshot();
    for (const lease of leases) {
      if (lease.checkpoint === SHARD_END && !present.has(lease.lease_key))
        await store.deleteFinished(lease.lease_key);
    }
    return created;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(async () => {
      await this.sync().catch((err) => this.logger.warn({ err }, 'shard sync failed'));
      this.schedule();
    }, this.options.intervalMs);
  }
}
