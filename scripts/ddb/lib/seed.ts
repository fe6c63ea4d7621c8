import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ConversationItem,
  conversationItem,
  type InboxItem,
  inboxItem,
  keys,
  type MessageItem,
  messageItem,
  type NewMessage,
  type PairItem,
  pairItem,
  parseItem,
  seedAnchorItem,
  seedAnchorItemSchema,
  sortedMembers,
  userItem,
} from '@cruddur/ddb';
import { bearer, createServiceSigner, type PrivateServiceKey } from '@cruddur/service-auth';
import { v5 as uuidv5 } from 'uuid';
import { batchPutAll } from './batch-write.ts';
import { SEED_CONVERSATIONS, type SeedConversation } from './dialogue.ts';

/** Fixed namespace for the seed's uuid v5 ids: the same pair and line always get the same ids. */
const SEED_NAMESPACE = '8d3c5a52-4f0e-4c5b-9a63-2f1d7e0b9c41';

export interface SeedUser {
  uuid: string;
  handle: string;
  display_name: string;
}

export type ResolveUser = (handle: string) => Promise<SeedUser | undefined>;

/** A failure the operator can fix; the script prints its message as is. */
export class SeedError extends Error {}

/**
 * Looks users up through the users service's internal API, the owner of user identities, with the
 * operators' service credential.
 */
export function usersServiceResolver(usersUrl: string, opsKey: PrivateServiceKey | undefined): ResolveUser {
  const root = usersUrl.replace(/\/$/, '');
  const signer = opsKey ? createServiceSigner({ privateKey: opsKey }) : undefined;
  return async (handle) => {
    if (!signer) {
      throw new SeedError(
        'the users service needs a credential: set OPS_SERVICE_AUTH_PRIVATE_KEY_FILE to the ops key (scripts/up writes .data/keys/ops.jwk; scripts/ops/service-keys makes one)',
      );
    }
    const authorization = bearer(await (await signer).forService('users'));
    let res: Response;
    try {
      res = await fetch(`${root}/internal/users/by-handle/${encodeURIComponent(handle)}`, {
        headers: authorization,
        signal: AbortSignal.timeout(5_000),
      });
    } catch (err) {
      throw new SeedError(
        `the users service is not reachable at ${root} (${err instanceof Error ? err.message : String(err)}); start it (scripts/up) and run scripts/db/seed first`,
      );
    }
    if (res.status === 404) return undefined;
    if (res.status === 401 || res.status === 403) {
      throw new SeedError(
        `the users service refused the ops credential (${res.status}); is OPS_SERVICE_AUTH_PRIVATE_KEY_FILE the key whose public half the users service trusts?`,
      );
    }
    if (!res.ok) throw new SeedError(`the users service answered ${res.status} for @${handle}`);
    const body = (await res.json()) as SeedUser;
    return { uuid: body.uuid.toLowerCase(), handle: body.handle, display_name: body.display_name };
  };
}

export interface PlannedConversation {
  groupUuid: string;
  between: readonly [SeedUser, SeedUser];
  pair: PairItem;
  /** Conversation record and messages, for BatchWriteItem. */
  items: (ConversationItem | MessageItem)[];
  /** One row per member, pointing at the conversation's real last message. */
  inbox: InboxItem[];
  messages: number;
}

/**
 * The seed as data (pure): deterministic ids from the pair and line number, and timestamps relative
 * to `anchor`, so planning twice with the same anchor gives the very same items.
 */
export function planSeed(
  users: ReadonlyMap<string, SeedUser>,
  anchor: Date,
  conversations: readonly SeedConversation[] = SEED_CONVERSATIONS,
): PlannedConversation[] {
  return conversations.map((conversation) => {
    const between = conversation.between.map((handle) => {
      const user = users.get(handle);
      if (!user) throw new SeedError(`no seed user @${handle}`);
      return user;
    }) as [SeedUser, SeedUser];
    const members = sortedMembers(between[0].uuid, between[1].uuid);
    const groupUuid = uuidv5(`conversation:${members.join(':')}`, SEED_NAMESPACE);
    const [fromMin, toMin] = conversation.spanMinutes;
    const n = conversation.lines.length;
    const step = n > 1 ? ((fromMin - toMin) * 60_000) / (n - 1) : 0;
    const messages: NewMessage[] = conversation.lines.map(([speaker, text], i) => ({
      groupUuid,
      messageUuid: uuidv5(`message:${groupUuid}:${i}`, SEED_NAMESPACE),
      senderUuid: between[speaker].uuid,
      text,
      createdAt: new Date(Math.round(anchor.getTime() - fromMin * 60_000 + i * step)).toISOString(),
      members,
    }));
    const first = messages[0]!;
    const last = messages.at(-1)!;
    // Unread for the other member: the last sender's run of messages at the end of the thread.
    let trailing = 0;
    for (let i = messages.length - 1; i >= 0 && messages[i]!.senderUuid === last.senderUuid; i--) trailing++;
    const other = last.senderUuid === members[0] ? members[1] : members[0];
    return {
      groupUuid,
      between,
      pair: pairItem({ userA: members[0], userB: members[1], groupUuid, createdAt: first.createdAt }),
      items: [
        conversationItem({ groupUuid, members, createdAt: first.createdAt }),
        ...messages.map((m) => messageItem(m)),
      ],
      // Read marks consistent with the stream consumer's unread rule: the last sender has read everything,
      // the other member everything before the last sender's final run of messages.
      inbox: [
        inboxItem(last.senderUuid, other, last, 0, messageItem(last).sk),
        inboxItem(
          other,
          last.senderUuid,
          last,
          trailing,
          lastReadBefore(messages, messages.length - trailing),
        ),
      ],
      messages: messages.length,
    };
  });
}

function lastReadBefore(messages: readonly NewMessage[], index: number): string | undefined {
  const read = messages[index - 1];
  return read ? messageItem(read).sk : undefined;
}

export interface SeedResult {
  anchor: string;
  conversations: { groupUuid: string; handles: [string, string]; messages: number }[];
  skipped: { handles: [string, string]; reason: string }[];
  messages: number;
  inboxRowsWritten: number;
  /** Inbox rows left alone because real use has moved them past the seed's last message. */
  inboxRowsNewer: number;
  batchRetries: number;
}

export interface SeedOptions {
  doc: DynamoDBDocumentClient;
  table: string;
  resolveUser: ResolveUser;
  handles: readonly string[];
  now?: Date;
  /** Called once with the total number of writes, then with each batch's count. */
  onTotal?: (total: number) => void;
  onProgress?: (written: number) => void;
}

/**
 * Seeds conversations among the seed users. Safe to run twice: ids and timestamps are deterministic,
 * puts of identical items change nothing, and inbox rows never move backwards.
 */
export async function seedConversations(options: SeedOptions): Promise<SeedResult> {
  const { doc, table } = options;
  const users = new Map<string, SeedUser>();
  for (const handle of options.handles) {
    const user = await options.resolveUser(handle);
    if (!user) throw new SeedError(`user @${handle} is not in the users service; run scripts/db/seed first`);
    users.set(handle, user);
  }
  const anchor = await seedAnchor(doc, table, options.now ?? new Date());
  await Promise.all([...users.values()].map((u) => putReplicaIfMissing(doc, table, u)));

  const plan = planSeed(users, anchor);
  const result: SeedResult = {
    anchor: anchor.toISOString(),
    conversations: [],
    skipped: [],
    messages: 0,
    inboxRowsWritten: 0,
    inboxRowsNewer: 0,
    batchRetries: 0,
  };
  const kept: PlannedConversation[] = [];
  for (const c of plan) {
    const handles: [string, string] = [c.between[0].handle, c.between[1].handle];
    // The pair lock first, conditionally: if people already started this conversation through the app,
    // its group stays the only one and the seed leaves that pair alone.
    const claimed = await putUnless(doc, {
      TableName: table,
      Item: c.pair,
      ConditionExpression: 'attribute_not_exists(pk) OR message_group_uuid = :g',
      ExpressionAttributeValues: { ':g': c.groupUuid },
    });
    if (!claimed) {
      result.skipped.push({
        handles,
        reason: 'the pair already has a conversation that the seed did not make',
      });
      continue;
    }
    kept.push(c);
    result.conversations.push({ groupUuid: c.groupUuid, handles, messages: c.messages });
    result.messages += c.messages;
  }

  const items = kept.flatMap((c) => c.items);
  const inbox = kept.flatMap((c) => c.inbox);
  options.onTotal?.(items.length + inbox.length);
  const written = await batchPutAll((input) => doc.send(new BatchWriteCommand(input)), table, items, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  result.batchRetries = written.retries;

  // After the messages, so a running stream consumer that sees them cannot leave the rows behind.
  for (const row of inbox) {
    const moved = await putUnless(doc, {
      TableName: table,
      Item: row,
      ConditionExpression: 'attribute_not_exists(pk) OR last_message_key <= :k',
      ExpressionAttributeValues: { ':k': row.last_message_key },
    });
    if (moved) result.inboxRowsWritten++;
    else result.inboxRowsNewer++;
    options.onProgress?.(1);
  }
  return result;
}

/** The seed's "now": stored on the first run and reused, so later runs produce the same timestamps. */
async function seedAnchor(doc: DynamoDBDocumentClient, table: string, now: Date): Promise<Date> {
  await putUnless(doc, {
    TableName: table,
    Item: seedAnchorItem(now.toISOString()),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  const out = await doc.send(
    new GetCommand({ TableName: table, Key: keys.seedAnchor(), ConsistentRead: true }),
  );
  return new Date(parseItem(seedAnchorItemSchema, out.Item).anchor);
}

/** So lists show names before the first users-events arrive; version 0 loses to any real event. */
async function putReplicaIfMissing(doc: DynamoDBDocumentClient, table: string, user: SeedUser) {
  await putUnless(doc, {
    TableName: table,
    Item: userItem({ ...user, bio: null, version: 0 }),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

async function putUnless(doc: DynamoDBDocumentClient, input: ConstructorParameters<typeof PutCommand>[0]) {
  try {
    await doc.send(new PutCommand(input));
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}
