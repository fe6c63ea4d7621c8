import { toTimestamp } from '@cruddur/contracts';
import { v7 as uuidv7 } from 'uuid';

/**
 * Every key format of the messages table (and of the stream consumer's lease table) lives here, so no other
 * module builds a `pk` by hand.
 * See the README's table design for why each item is shaped this way.
 */

/** A messages-table key; items with a fixed sort key (`META`, `PAIR`, ...) say which. */
export interface ItemKey<Sk extends string = string> {
  pk: string;
  sk: Sk;
}

/** LSI on inbox rows: newest-first listing of a user's conversations without moving the row's key. */
export const INBOX_BY_ACTIVITY_INDEX = 'inbox_by_activity';
/** The LSI sort attribute: the last message's sort key (`<created_at>#<message_uuid>`), unique and time-ordered. */
export const INBOX_ACTIVITY_ATTRIBUTE = 'last_message_key';

export const prefixes = {
  message: 'MSG#',
  inbox: 'GRP#',
  conversation: 'CONV#',
  pair: 'PAIR#',
  user: 'USER#',
  idempotency: 'IDEM#',
  /** Bookkeeping of `scripts/ddb/seed` (its time anchor); never read by the services. */
  seed: 'SEED#',
  /** A user's change feed: what the stream consumer published to them, for replay on reconnect. */
  feed: 'FEED#',
} as const;

/** `<created_at>#<message_uuid>`: sorts by time and stays unique when two messages share a millisecond. */
export function messageSortKey(createdAt: string, messageUuid: string): string {
  return `${createdAt}#${messageUuid}`;
}

export function parseMessageSortKey(sk: string): { createdAt: string; messageUuid: string } | undefined {
  const at = sk.indexOf('#');
  if (at < 0) return undefined;
  return { createdAt: sk.slice(0, at), messageUuid: sk.slice(at + 1) };
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A new message's uuid: a UUIDv7 whose embedded millisecond time is `createdAt`, so the message's sort key
 * can be derived from its uuid alone (`messageSortKeyOfUuid`) and an edit or delete is a GetItem/UpdateItem
 * by key, never a scan. `random` (16 bytes) makes it deterministic, for the seed; otherwise it is random.
 */
export function messageUuidAt(createdAt: string | Date, random?: Uint8Array): string {
  const msecs = typeof createdAt === 'string' ? Date.parse(createdAt) : createdAt.getTime();
  if (!Number.isFinite(msecs)) throw new TypeError(`not a time: ${String(createdAt)}`);
  return random ? uuidv7({ msecs, random }) : uuidv7({ msecs });
}

/**
 * The sort key of the message with this uuid, read from the time a UUIDv7 carries; undefined for any other
 * uuid (messages written before uuids were v7 cannot be found by uuid alone).
 */
export function messageSortKeyOfUuid(messageUuid: string): string | undefined {
  const uuid = messageUuid.toLowerCase();
  if (!UUID_V7.test(uuid)) return undefined;
  const msecs = Number.parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
  return messageSortKey(toTimestamp(msecs), uuid);
}

export const keys = {
  messagePartition: (groupUuid: string) => `${prefixes.message}${groupUuid}`,
  message: (groupUuid: string, createdAt: string, messageUuid: string): ItemKey => ({
    pk: `${prefixes.message}${groupUuid}`,
    sk: messageSortKey(createdAt, messageUuid),
  }),
  inboxPartition: (ownerUuid: string) => `${prefixes.inbox}${ownerUuid}`,
  inbox: (ownerUuid: string, groupUuid: string): ItemKey => ({
    pk: `${prefixes.inbox}${ownerUuid}`,
    sk: groupUuid,
  }),
  conversation: (groupUuid: string): ItemKey<'META'> => ({
    pk: `${prefixes.conversation}${groupUuid}`,
    sk: 'META',
  }),
  /** One lock per unordered pair of users: the sorted uuids make (a,b) and (b,a) the same item. */
  pair: (userA: string, userB: string): ItemKey<'PAIR'> => {
    const [low, high] = [userA, userB].sort();
    return { pk: `${prefixes.pair}${low}#${high}`, sk: 'PAIR' };
  },
  user: (userUuid: string): ItemKey<'PROFILE'> => ({ pk: `${prefixes.user}${userUuid}`, sk: 'PROFILE' }),
  /** Scoped by sender so one user's key can never collide with, or reveal, another user's message. */
  feedPartition: (ownerUuid: string) => `${prefixes.feed}${ownerUuid}`,
  feed: (ownerUuid: string, feedKey: string): ItemKey => ({
    pk: `${prefixes.feed}${ownerUuid}`,
    sk: feedKey,
  }),
  idempotency: (senderUuid: string, idempotencyKey: string): ItemKey<'IDEM'> => ({
    pk: `${prefixes.idempotency}${senderUuid}#${idempotencyKey}`,
    sk: 'IDEM',
  }),
  /** The seed's fixed "now", stored once so a second seed run writes the same message keys. */
  seedAnchor: (): ItemKey<'SEED'> => ({ pk: `${prefixes.seed}anchor`, sk: 'SEED' }),
};

export type ItemKind = keyof typeof prefixes;

/**
 * The lease table's key (`lease_key`) of a shard lease: `<stream label>#<shard id>`. Shard ids are only unique
 * within one stream, and a table's stream can be replaced.
 */
export function shardLeaseKey(streamArn: string, shardId: string): string {
  const label = streamArn.split('/stream/')[1] ?? streamArn;
  return `${label}#${shardId}`;
}

/** The lease table's key of a worker's heartbeat item. */
export const workerKey = (workerId: string) => `worker#${workerId}`;

/** Which kind of item a partition key belongs to; stream handlers use it to pick records. */
export function itemKindOf(pk: string): ItemKind | undefined {
  for (const [kind, prefix] of Object.entries(prefixes) as [ItemKind, string][]) {
    if (pk.startsWith(prefix)) return kind;
  }
  return undefined;
}
