import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { toTimestamp } from '@cruddur/contracts';
import { batchGetByPk } from './batch-get.ts';
import {
  connectionKeys,
  indexExpiryAttribute,
  REPLICA_ATTRIBUTE_PREFIX,
  REPLICA_USER_SHARDS,
  replicaAttribute,
  replicaUserShard,
} from './table.ts';

/**
 * How long a user's item outlives its last connect or disconnect: it keeps `last_seen_at`, and a stream open
 * longer than this (none is: proxies and deploys end them within hours) would be re-registered on reconnect.
 */
const USER_ITEM_RETENTION_SECONDS = 30 * 24 * 3600;

export interface UserConnections {
  /** Replicas the item names; some may be dead (the directory tells which are live). */
  replicaIds: string[];
  lastSeenAt: string | null;
}

/**
 * What a heartbeat found of the replica's previous entry. `expired` or `gone` (reaped by a survivor that took it
 * for dead) means publishers may have skipped this replica meanwhile: its streams missed pushes.
 */
export type PreviousEntry = 'live' | 'expired' | 'gone';

export interface ReplicaRecord {
  queueUrl: string;
  expiresAtMs: number;
  /** Its last heartbeat: for the users of a replica that died, the time they were last seen. */
  heartbeatAtMs: number;
}

const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

const isConditionFailed = (err: unknown) =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

function replicaIdsOf(item: Record<string, unknown> | undefined): string[] {
  if (!item) return [];
  return Object.keys(item)
    .filter((name) => name.startsWith(REPLICA_ATTRIBUTE_PREFIX))
    .map((name) => name.slice(REPLICA_ATTRIBUTE_PREFIX.length));
}

/**
 * The connection registry's reads and writes (table: connectionTableDefinition). Liveness is per replica, not
 * per user: a replica renews one item every few seconds, and a user's entry names the replica, so a million
 * connected users cost no heartbeat writes, and a dead replica's users all drop out when its item expires.
 */
export class ConnectionRegistry {
  private readonly now: () => number;

  constructor(private readonly options: { ddb: DynamoDBDocumentClient; table: string; now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Written at start and by every heartbeat: the replica is live until `ttlMs` from now. Says what the entry was
   * just before, so a replica whose heartbeat came too late learns that publishers stopped sending to it.
   */
  async announceReplica(replicaId: string, queueUrl: string, ttlMs: number): Promise<PreviousEntry> {
    const now = this.now();
    // In the index first: a replica is never live without being findable by a push for every replica.
    // With its expiry beside it, so a survivor's sweep learns every replica's liveness from this one item.
    await this.options.ddb.send(
      new UpdateCommand({
        TableName: this.options.table,
        Key: { pk: connectionKeys.replicaIndex() },
        UpdateExpression: 'ADD ids :id SET #x = :exp',
        ExpressionAttributeNames: { '#x': indexExpiryAttribute(replicaId) },
        ExpressionAttributeValues: { ':id': new Set([replicaId]), ':exp': now + ttlMs },
      }),
    );
    const { Attributes: previous } = await this.options.ddb.send(
      new PutCommand({
        TableName: this.options.table,
        Item: {
          pk: connectionKeys.replica(replicaId),
          queue_url: queueUrl,
          heartbeat_at: now,
          expires_at_ms: now + ttlMs,
          expires_at: epochSeconds(now + ttlMs),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!previous) return 'gone';
    // Judged when the renewal landed: until then a publisher could have found the old entry expired.
    return Number(previous.expires_at_ms ?? 0) > this.now() ? 'live' : 'expired';
  }

  /** A clean shutdown: publishers stop sending here at once instead of when the item would have expired. */
  async retireReplica(replicaId: string): Promise<void> {
    await this.options.ddb.send(
      new DeleteCommand({ TableName: this.options.table, Key: { pk: connectionKeys.replica(replicaId) } }),
    );
    await this.dropFromIndex([replicaId]);
  }

  /** Every replica announced and not retired, live or dead (the directory tells which are live). */
  async indexedReplicaIds(): Promise<string[]> {
    return [...(await this.indexedReplicas()).keys()];
  }

  /**
   * The index's replicas with the expiry their last heartbeat wrote there (null: announced by a version that
   * wrote none; ask the directory). One consistent GetItem, however many replicas.
   */
  async indexedReplicas(): Promise<Map<string, number | null>> {
    const { Item } = await this.options.ddb.send(
      new GetCommand({
        TableName: this.options.table,
        Key: { pk: connectionKeys.replicaIndex() },
        ConsistentRead: true,
      }),
    );
    const ids = Item?.ids;
    const indexed = new Map<string, number | null>();
    if (!(ids instanceof Set)) return indexed;
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      const expiry = Item?.[indexExpiryAttribute(id)];
      indexed.set(id, typeof expiry === 'number' ? expiry : null);
    }
    return indexed;
  }

  /**
   * A reaper's drop of a replica it found dead: only while the index still holds an expired (or no) expiry for it.
   * A replica that was only late re-announces itself, index first, possibly while it is being reaped; an
   * unconditional drop landing after that would leave it live but unindexed, never reaped if it then died.
   * Returns whether it was dropped.
   */
  async dropStaleFromIndex(replicaId: string): Promise<boolean> {
    try {
      await this.options.ddb.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.replicaIndex() },
          UpdateExpression: 'DELETE ids :ids REMOVE #x',
          ConditionExpression: 'attribute_not_exists(#x) OR #x < :now',
          ExpressionAttributeNames: { '#x': indexExpiryAttribute(replicaId) },
          ExpressionAttributeValues: { ':ids': new Set([replicaId]), ':now': this.now() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Replicas that stopped (retired, or reaped): the index stops naming them. */
  async dropFromIndex(replicaIds: readonly string[]): Promise<void> {
    if (replicaIds.length === 0) return;
    const names = Object.fromEntries(replicaIds.map((id, i) => [`#x${i}`, indexExpiryAttribute(id)]));
    await this.options.ddb.send(
      new UpdateCommand({
        TableName: this.options.table,
        Key: { pk: connectionKeys.replicaIndex() },
        UpdateExpression: `DELETE ids :ids REMOVE ${Object.keys(names).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':ids': new Set(replicaIds) },
      }),
    );
  }

  /** Live and dead replicas by id (absent: never announced, or retired). */
  async replicas(replicaIds: readonly string[]): Promise<Map<string, ReplicaRecord>> {
    const items = await batchGetByPk(
      this.options.ddb,
      this.options.table,
      replicaIds.map(connectionKeys.replica),
    );
    const found = new Map<string, ReplicaRecord>();
    for (const id of replicaIds) {
      const item = items.get(connectionKeys.replica(id));
      if (item && typeof item.queue_url === 'string') {
        found.set(id, {
          queueUrl: item.queue_url,
          expiresAtMs: Number(item.expires_at_ms ?? 0),
          heartbeatAtMs: Number(item.heartbeat_at ?? 0),
        });
      }
    }
    return found;
  }

  /**
   * Records that `replicaId` holds a stream of the user (idempotent: a second stream on the same replica rewrites
   * the same attribute). Returns the other replicas the item named before, live or not, with their connect times.
   */
  async connect(userUuid: string, replicaId: string): Promise<Map<string, number>> {
    const now = this.now();
    const [result] = await Promise.all([
      this.options.ddb.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.user(userUuid) },
          UpdateExpression: 'SET #r = :now, expires_at = :exp',
          ExpressionAttributeNames: { '#r': replicaAttribute(replicaId) },
          ExpressionAttributeValues: { ':now': now, ':exp': epochSeconds(now) + USER_ITEM_RETENTION_SECONDS },
          ReturnValues: 'ALL_OLD',
        }),
      ),
      this.changeReplicaUsers('ADD', userUuid, replicaId, now),
    ]);
    const others = new Map<string, number>();
    for (const id of replicaIdsOf(result.Attributes)) {
      if (id !== replicaId) others.set(id, Number(result.Attributes?.[replicaAttribute(id)] ?? 0));
    }
    return others;
  }

  /**
   * The replica's last stream of the user closed: its entry goes, and `last_seen_at` is now. Returns the replicas
   * still named. Removing an entry that is not there is harmless, so a retried disconnect is too.
   */
  async disconnect(userUuid: string, replicaId: string): Promise<string[]> {
    const now = this.now();
    const [result] = await Promise.all([
      this.options.ddb.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.user(userUuid) },
          UpdateExpression: 'REMOVE #r SET last_seen_at = :seen, expires_at = :exp',
          ExpressionAttributeNames: { '#r': replicaAttribute(replicaId) },
          ExpressionAttributeValues: {
            ':seen': toTimestamp(new Date(now)),
            ':exp': epochSeconds(now) + USER_ITEM_RETENTION_SECONDS,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
      this.changeReplicaUsers('DELETE', userUuid, replicaId, now),
    ]);
    return replicaIdsOf(result.Attributes);
  }

  /** The replica's user set follows its streams, so a reaper of the replica finds who it held. */
  private async changeReplicaUsers(
    action: 'ADD' | 'DELETE',
    userUuid: string,
    replicaId: string,
    now: number,
  ): Promise<void> {
    await this.options.ddb.send(
      new UpdateCommand({
        TableName: this.options.table,
        Key: { pk: connectionKeys.replicaUsers(replicaId, replicaUserShard(userUuid)) },
        // Replica ids are random per start, so a dead replica's sets are garbage that TTL removes.
        UpdateExpression: `${action} #users :user SET expires_at = :exp`,
        ExpressionAttributeNames: { '#users': 'users' },
        ExpressionAttributeValues: {
          ':user': new Set([userUuid]),
          ':exp': epochSeconds(now) + USER_ITEM_RETENTION_SECONDS,
        },
      }),
    );
  }

  /** The users holding a stream on the replica when it last wrote (one BatchGetItem of its shards). */
  async replicaUsers(replicaId: string): Promise<string[]> {
    const pks = Array.from({ length: REPLICA_USER_SHARDS }, (_, shard) =>
      connectionKeys.replicaUsers(replicaId, shard),
    );
    const items = await batchGetByPk(this.options.ddb, this.options.table, pks);
    return [...items.values()].flatMap((item) =>
      item.users instanceof Set ? [...item.users].filter((u): u is string => typeof u === 'string') : [],
    );
  }

  /**
   * Claims a replica that stopped heartbeating by deleting its item, only if it is still expired: of several
   * survivors that find it expired, exactly one wins (the others' condition fails), and a replica that renewed
   * meanwhile is left alone. Returns its last record and the claim's time to the winner, null to everyone else.
   */
  async claimDeadReplica(replicaId: string): Promise<(ReplicaRecord & { claimedAtMs: number }) | null> {
    const claimedAtMs = this.now();
    try {
      const { Attributes } = await this.options.ddb.send(
        new DeleteCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.replica(replicaId) },
          ConditionExpression: 'expires_at_ms < :now',
          ExpressionAttributeValues: { ':now': claimedAtMs },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!Attributes || typeof Attributes.queue_url !== 'string') return null;
      return {
        queueUrl: Attributes.queue_url,
        expiresAtMs: Number(Attributes.expires_at_ms ?? 0),
        heartbeatAtMs: Number(Attributes.heartbeat_at ?? 0),
        claimedAtMs,
      };
    } catch (err) {
      if (isConditionFailed(err)) return null;
      throw err;
    }
  }

  /**
   * A reaped replica's entry goes from the user's item, and `last_seen_at` becomes its last heartbeat unless a
   * later disconnect elsewhere already set a later time (ISO timestamps compare as strings). Only an entry written
   * before the claim goes: a replica reaped while it was only late comes back and its users reconnect to it, and a
   * reaper still working through its users must not remove those new entries (a dead replica's own entries are
   * older than its claim by a TTL at least, far beyond clock skew between hosts). Returns whether an entry went.
   */
  async forgetDeadReplica(
    userUuid: string,
    replicaId: string,
    lastSeenAt: string,
    claimedAtMs: number,
  ): Promise<boolean> {
    const entry = { '#r': replicaAttribute(replicaId) };
    try {
      await this.options.ddb.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.user(userUuid) },
          UpdateExpression: 'REMOVE #r SET last_seen_at = :seen',
          ConditionExpression:
            '#r < :claimed AND (attribute_not_exists(last_seen_at) OR last_seen_at < :seen)',
          ExpressionAttributeNames: entry,
          ExpressionAttributeValues: { ':seen': lastSeenAt, ':claimed': claimedAtMs },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    return this.removeIf(userUuid, '#r < :claimed', entry, { ':claimed': claimedAtMs });
  }

  /**
   * Drops entries of replicas found dead when the user connected (a crash leaves them), each only if it still
   * holds the connect time read then (`seen`): a replica that was only late, and has the user back since, keeps
   * the new entry. Idempotent, so two replicas may both do it.
   */
  async forgetReplicas(userUuid: string, seen: ReadonlyMap<string, number>): Promise<void> {
    if (seen.size === 0) return;
    const entries = [...seen];
    const names = Object.fromEntries(entries.map(([id], i) => [`#d${i}`, replicaAttribute(id)]));
    const values = Object.fromEntries(entries.map(([, at], i) => [`:d${i}`, at]));
    await this.removeIf(userUuid, entries.map((_, i) => `#d${i} = :d${i}`).join(' AND '), names, values);
  }

  /** Removes the named entries of the user's item if the condition holds; false if it did not. */
  private async removeIf(
    userUuid: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.options.ddb.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { pk: connectionKeys.user(userUuid) },
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Every named user's connections (users with no item are absent). */
  async users(userUuids: readonly string[]): Promise<Map<string, UserConnections>> {
    const items = await batchGetByPk(
      this.options.ddb,
      this.options.table,
      userUuids.map(connectionKeys.user),
    );
    const found = new Map<string, UserConnections>();
    for (const uuid of userUuids) {
      const item = items.get(connectionKeys.user(uuid));
      if (!item) continue;
      found.set(uuid, {
        replicaIds: replicaIdsOf(item),
        lastSeenAt: typeof item.last_seen_at === 'string' ? item.last_seen_at : null,
      });
    }
    return found;
  }

  async presenceHidden(userUuid: string): Promise<boolean> {
    const result = await this.options.ddb.send(
      new GetCommand({
        TableName: this.options.table,
        Key: { pk: connectionKeys.presenceSetting(userUuid) },
        ConsistentRead: true,
      }),
    );
    return result.Item?.hidden === true;
  }

  /** Which of the users hide their presence. */
  async hiddenAmong(userUuids: readonly string[]): Promise<Set<string>> {
    const items = await batchGetByPk(
      this.options.ddb,
      this.options.table,
      userUuids.map(connectionKeys.presenceSetting),
    );
    return new Set(userUuids.filter((u) => items.get(connectionKeys.presenceSetting(u))?.hidden === true));
  }

  async setPresenceHidden(userUuid: string, hidden: boolean): Promise<void> {
    await this.options.ddb.send(
      new PutCommand({
        TableName: this.options.table,
        Item: {
          pk: connectionKeys.presenceSetting(userUuid),
          hidden,
          updated_at: toTimestamp(new Date(this.now())),
        },
      }),
    );
  }
}
