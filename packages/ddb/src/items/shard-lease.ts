import { z } from 'zod';
import { shardLeaseKey } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * A shard lease on the stream consumer's lease table (KCL's lease, in our names): `lease_key` =
 * `<stream label>#<shard id>`. Every write to it is conditional on `lease_counter`, the fencing token.
 */

/** Where a shard is read from next: the start, after a sequence number, or nowhere (the closed shard is done). */
export const TRIM_HORIZON = 'TRIM_HORIZON';
export const SHARD_END = 'SHARD_END';

export const shardLeaseFields = z.object({
  lease_key: z.string(),
  kind: z.literal('shard'),
  stream_arn: z.string(),
  shard_id: z.string(),
  parent_shard_id: z.string().optional(),
  owner: z.string().optional(),
  /** Fencing token: bumped on every take, renew and release; a write expecting an older value fails. */
  lease_counter: z.number().int().nonnegative(),
  /** Epoch ms after which the lease counts as abandoned and may be taken. */
  expires_at: z.number(),
  last_heartbeat: timestamp.optional(),
  /** `TRIM_HORIZON`, a sequence number, or `SHARD_END`. */
  checkpoint: z.string(),
  /** Time of the newest record at the checkpoint (epoch ms): stream-status computes lag from it. */
  checkpoint_record_at: z.number().optional(),
  checkpointed_at: timestamp.optional(),
  owner_switches: z.number().int().nonnegative().optional(),
  created_at: timestamp.optional(),
});

export const shardLeaseSchema = shardLeaseFields.refine(
  (l) => l.lease_key === shardLeaseKey(l.stream_arn, l.shard_id),
  'lease_key does not match stream_arn and shard_id',
);

export type ShardLease = z.infer<typeof shardLeaseSchema>;

/** A shard's first lease: nobody's, already expired, read from the shard's oldest record. */
export function newShardLease(
  shard: { streamArn: string; shardId: string; parentShardId?: string | undefined },
  createdAt: string,
): ShardLease {
  return {
    lease_key: shardLeaseKey(shard.streamArn, shard.shardId),
    kind: 'shard',
    stream_arn: shard.streamArn,
    shard_id: shard.shardId,
    ...(shard.parentShardId ? { parent_shard_id: shard.parentShardId } : {}),
    lease_counter: 0,
    expires_at: 0,
    checkpoint: TRIM_HORIZON,
    owner_switches: 0,
    created_at: createdAt,
  };
}
