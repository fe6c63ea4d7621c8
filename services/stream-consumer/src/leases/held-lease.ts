import type { ShardLease } from '@cruddur/ddb';

/** A lease this worker holds. Writes to one lease are serialized so a renewal and a checkpoint never fence each other. */
export class HeldLease {
  lost = false;
  /** Local deadline: past it without a successful renewal, another worker may already have taken the shard. */
  expiresAt: number;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly streamArn: string,
    readonly shardId: string,
    public counter: number,
    public checkpoint: string,
    expiresAt: number,
  ) {
    this.expiresAt = expiresAt;
  }

  static from(lease: ShardLease): HeldLease {
    return new HeldLease(
      lease.lease_key,
      lease.stream_arn,
      lease.shard_id,
      lease.lease_counter,
      lease.checkpoint,
      lease.expires_at,
    );
  }

  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
