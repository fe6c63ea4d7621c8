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
import {
  leaseWorkerSchema,
  type MalformedItemError,
  newShardLease,
  parseItem,
  SHARD_END,
  type ShardLease,
  safeParseItem,
  shardLeaseSchema,
  type WorkerItem,
  workerItem,
  workerKey,
} from '@cruddur/ddb';
import { isConditionalCheckFailed } from '../errors.ts';

// The lease table's items, their schemas and keys live in @cruddur/ddb (items/shard-lease.ts, lease-worker.ts).

function buildCreateLease(
  table: string,
  shard: { streamArn: string; shardId: string; parentShardId?: string | undefined },
  now: number,
): PutCommandInput {
  // A new shard is read from its oldest record: nothing written before the worker first ran is missed.
  const item = newShardLease(shard, toTimestamp(now));
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

function buildRenewLease(
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
  /** Shard and worker items that do not match their schema: left out of the plan, for the caller to report. */
  malformed: MalformedItemError[];
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
    const malformed: MalformedItemError[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.ddb.send(
        new ScanCommand({ TableName: this.options.table, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        // One bad item must not stop every worker from taking the other shards.
        if (item.kind === 'shard') {
          const parsed = safeParseItem(shardLeaseSchema, item);
          if (parsed.ok) leases.push(parsed.item);
          else malformed.push(parsed.error);
        } else if (item.kind === 'worker') {
          const parsed = safeParseItem(leaseWorkerSchema, item);
          if (parsed.ok) workers.push(parsed.item);
          else malformed.push(parsed.error);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { leases, workers, malformed };
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
      return parseItem(shardLeaseSchema, out.Attributes);
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
    await this.options.ddb.send(new PutCommand({ TableName: this.options.table, Item: workerItem(worker) }));
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
