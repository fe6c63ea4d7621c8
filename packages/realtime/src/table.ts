import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const DEFAULT_CONNECTION_TABLE = 'cruddur-connections';

/** Epoch seconds; DynamoDB TTL deletes expired items (late, hours on AWS, never on DynamoDB Local), so readers filter too. */
export const CONNECTION_TTL_ATTRIBUTE = 'expires_at';

/**
 * The connection registry: who is connected to which gateway replica, each replica's queue, presence settings.
 * A table of its own, not the messages table: heartbeats and connects would otherwise be stream records every
 * stream consumer reads and skips. Key only (`pk`), on-demand, no stream.
 */
export function connectionTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  };
}

/** The items of the registry; one module so no key is spelled twice. */
export const connectionKeys = {
  /** A user's connections: one `r_<replica id>` attribute per replica holding a stream of theirs, and `last_seen_at`. */
  user: (userUuid: string) => `USER#${userUuid}`,
  /** A live replica: its queue URL and `expires_at`, renewed by its heartbeat. */
  replica: (replicaId: string) => `REPLICA#${replicaId}`,
  /**
   * The ids of every replica announced and not retired (`ids`, a string set), and each one's `x_<id>` expiry
   * (epoch ms, written by its heartbeat): how a push meant for every replica finds them without a scan, and how
   * the survivors' sweep spots a dead one in one read. A replica killed with -9 stays in it until reaped.
   */
  replicaIndex: () => 'REPLICAS',
  /**
   * One of a replica's user sets (`users`, a string set): the users holding a stream on it, so the survivor that
   * reaps a replica killed with -9 finds them without a scan. Sharded by user, so no item nears 400 KB and a
   * connect rewrites (and pays for) a small item: a write costs 1 WCU per KB of the item it changes.
   */
  replicaUsers: (replicaId: string, shard: number) => `REPLICA_USERS#${replicaId}#${shard}`,
  /** A user's presence setting (`hidden`); never expires. */
  presenceSetting: (userUuid: string) => `PRESENCE#${userUuid}`,
};

export const REPLICA_ATTRIBUTE_PREFIX = 'r_';
export const replicaAttribute = (replicaId: string) => `${REPLICA_ATTRIBUTE_PREFIX}${replicaId}`;

/** 64 shards: 10,000 users on a replica make items of about 6 KB; reaping reads them in one BatchGetItem. */
export const REPLICA_USER_SHARDS = 64;

/** A stable shard of a user (FNV-1a), the same on every replica. */
export function replicaUserShard(userUuid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userUuid.length; i++) hash = Math.imul(hash ^ userUuid.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % REPLICA_USER_SHARDS;
}

/** A replica's expiry on the `REPLICAS` index item. */
export const indexExpiryAttribute = (replicaId: string) => `x_${replicaId}`;
