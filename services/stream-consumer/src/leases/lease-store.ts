import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  ScanCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { toTimestamp } from '@cruddur/contracts';
import { isConditionalCheckFailed } from '../errors.ts';

/** Where a shard is read from next: the start, after a sequence number, or nowhere (the closed shard is done). */
export const TRIM_HORIZON = 'TRIM_HORIZON';
export const SHARD_END = 'SHARD_END';

/** A shard lease as stored (KCL's lease, in our names). Every write to it is conditional on `lease_counter`. */
export interface ShardLease {
  lease_key: string;
  kind: 'shard';
  stream_arn: string;
  shard_id: string;
  parent_shard_id?: string;
  owner?: string;
  /** Fencing token: bumped on every take, renew and release; a write expecting an older value fails. */
  lease_counter: number;
  /** Epoch ms after which the lease counts as abandoned and may be taken. */
  expires_at: number;
  last_heartbeat?: string;
  checkpoint: string;
  /** Time of the newest record at the checkpoint (epoch ms): stream-status computes lag from it. */
  checkpoint_record_at?: number;
  checkpointed_at?: string;
  owner_switches?: number;
  created_at?: string;
}

/** One per live worker: how the balancer knows the fleet size and stream-status lists the workers. */
export interface WorkerItem {
  lease_key: string;
  kind: 'worker';
  worker_id: string;
  expires_at: number;
  last_heartbeat: string;
  started_at: string;
  leases_held: number;
  host?: string;
  pid?: number;
}

export const workerKey = (workerId: string) => `worker#${workerId}`;

/** `<stream label>#<shard id>`: shard ids are only unique within one stream, and a table's stream can be replaced. */
export function shardLeaseKey(streamArn: string, shardId: string): string {
  const label = streamArn.split('/stream/')[1] ?? streamArn;
  return `${label}#${shardId}`;
}

export function buildCreateLease(
  table: string,
  shard: { streamArn: string; shardId: string; parentShardId?: string | undefined },
  now: number,
): PutCommandInput {
  const item: ShardLease = {
    lease_key: shardLeaseKey(shard.streamArn, shard.shardId),
    kind: 'shard',
    stream_arn: shard.streamArn,
    shard_id: shard.shardId,
    ...(shard.parentShardId ? { parent_shard_id: shard.parentShardId } : {}),
    lease_counter: 0,
    expires_at: 0,
    // A new shard is read from its oldest record: nothing written before the worker first ran is missed.
    checkpoint: TRIM_HORIZON,
    owner_switches: 0,
    created_at: toTimestamp(now),
  };
  return { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(lease_key)' };
}

/** Takes a lease that is free, expired or (when balancing) someone else's, if nobody touched it since we looked. */
export function buildTakeLease(
  table: string,
  lease: ShardLease,
  workerId: string,
  now: number,
  durationMs: number,
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { lease_key: lease.lease_key },
    UpdateExpression:
      'SET #owner = :me, lease_counter = :next, expires_at = :exp, last_heartbeat = :hb, owner_switches = if_not_exists(owner_switches, :zero) + :switch',
    ConditionExpression: 'lease_counter = :expected',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: {
      ':me': workerId,
      ':next': lease.lease_counter + 1,
      ':expected': lease.lease_counter,
      ':exp': now + durationMs,
      ':hb': toTimestamp(now),
      ':zero': 0,
      ':switch': lease.owner !== undefined && lease.owner !== workerId ? 1 : 0,
    },
    ReturnValues: 'ALL_NEW',
  };
}

const ours = 'lease_counter = :counter AND #owner = :me';

export function buildRenewLease(
  table: string,
  key: string,
  workerId: string,
  counter: number,
  now: number,
  durationMs: number,
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { lease_key: key },
    UpdateExpression: 'SET lease_counter = :next, expires_at = :exp, last_heartbeat = :hb',
    ConditionExpression: ours,
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: {
      ':me': workerId,
      ':counter': counter,
      ':next': counter + 1,
      ':exp': now + durationMs,
      ':hb': toTimestamp(now),
    },
  };
}

/** Records progress; fenced like a renewal so a worker that lost the lease can never move the checkpoint. */
export function buildCheckpoint(
  table: string,
  key: string,
  workerId: string,
  counter: number,
  checkpoint: string,
  recordAtMs: number | undefined,
  now: number,
): UpdateCommandInput {
  const values: Record<string, unknown> = {
    ':me': workerId,
    ':counter': counter,
    ':cp': checkpoint,
    ':at': toTimestamp(now),
  };
  let update = 'SET checkpoint = :cp, checkpointed_at = :at';
  if (recordAtMs !== undefined) {
    update += ', checkpoint_record_at = :rat';
    values[':rat'] = recordAtMs;
  }
  return {
    TableName: table,
    Key: { lease_key: key },
    UpdateExpression: update,
    ConditionExpression: ours,
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: values,
  };
}

/** Gives a lease up: no owner and already expired, so any worker's next take cycle picks it up at once. */
export function buildReleaseLease(
  table: string,
  key: string,
  workerId: string,
  counter: number,
): UpdateCommandInput {
  return {
    TableName: table,
    Key: { lease_key: key },
    UpdateExpression: 'REMOVE #owner SET lease_counter = :next, expires_at = :zero',
    ConditionExpression: ours,
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':me': workerId, ':counter': counter, ':next': counter + 1, ':zero': 0 },
  };
}

export interface LeaseTableSnapshot {
  leases: ShardLease[];
  workers: WorkerItem[];
}

/** Sends the lease table's requests. Fenced writes answer `false` when the condition fails, other errors throw. */
export class LeaseStore {
  constructor(private readonly options: { ddb: DynamoDBDocumentClient; table: string }) {}

  get table() {
    return this.options.table;
  }

  async snapshot(): Promise<LeaseTableSnapshot> {
    const leases: ShardLease[] = [];
    const workers: WorkerItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.ddb.send(
        new ScanCommand({ TableName: this.options.table, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        if (item.kind === 'shard') leases.push(item as ShardLease);
        else if (item.kind === 'worker') workers.push(item as WorkerItem);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { leases, workers };
  }

  async createLease(shard: {
    streamArn: string;
    shardId: string;
    parentShardId?: string | undefined;
  }): Promise<boolean> {
    try {
      await this.options.ddb.send(new PutCommand(buildCreateLease(this.options.table, shard, Date.now())));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async take(lease: ShardLease, workerId: string, durationMs: number): Promise<ShardLease | undefined> {
    try {
      const out = await this.options.ddb.send(
        new UpdateCommand(buildTakeLease(this.options.table, lease, workerId, Date.now(), durationMs)),
      );
      return out.Attributes as ShardLease;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  renew(key: string, workerId: string, counter: number, durationMs: number): Promise<boolean> {
    return this.fenced(buildRenewLease(this.options.table, key, workerId, counter, Date.now(), durationMs));
  }

  checkpoint(
    key: string,
    workerId: string,
    counter: number,
    checkpoint: string,
    recordAtMs?: number,
  ): Promise<boolean> {
    return this.fenced(
      buildCheckpoint(this.options.table, key, workerId, counter, checkpoint, recordAtMs, Date.now()),
    );
  }

  release(key: string, workerId: string, counter: number): Promise<boolean> {
    return this.fenced(buildReleaseLease(this.options.table, key, workerId, counter));
  }

  async heartbeat(worker: Omit<WorkerItem, 'lease_key' | 'kind'>): Promise<void> {
    const item: WorkerItem = { lease_key: workerKey(worker.worker_id), kind: 'worker', ...worker };
    await this.options.ddb.send(new PutCommand({ TableName: this.options.table, Item: item }));
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.options.ddb.send(
      new DeleteCommand({ TableName: this.options.table, Key: { lease_key: workerKey(workerId) } }),
    );
  }

  /** Forgets a worker that stopped heartbeating long ago (a crash leaves its item behind), unless it came back. */
  async pruneWorker(worker: WorkerItem): Promise<void> {
    try {
      await this.options.ddb.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: { lease_key: worker.lease_key },
          ConditionExpression: 'expires_at = :seen',
          ExpressionAttributeValues: { ':seen': worker.expires_at },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** Drops a finished lease whose shard has left the stream (trimmed after 24 h): nothing will ever read it again. */
  async deleteFinished(key: string): Promise<void> {
    try {
      await this.options.ddb.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: { lease_key: key },
          ConditionExpression: 'checkpoint = :end',
          ExpressionAttributeValues: { ':end': SHARD_END },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  private async fenced(input: UpdateCommandInput): Promise<boolean> {
    try {
      await this.options.ddb.send(new UpdateCommand(input));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
