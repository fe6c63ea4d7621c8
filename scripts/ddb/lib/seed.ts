import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys, parseItem, seedAnchorItem, seedAnchorItemSchema, userItem } from '@cruddur/ddb';
import { batchPutAll } from './batch-write.ts';
import { type ResolveUser, SeedError, type SeedUser } from './resolve-user.ts';
import { type PlannedConversation, type PlannedGroup, planGroups, planSeed } from './seed-plan.ts';

/**
 * Writes the seed plan: users from the users service, the anchor, then each conversation and group unless
 * real use has claimed it, its messages in batches, and its inbox rows last, never moving one backwards.
 */

export interface SeedResult {
  anchor: string;
  conversations: { groupUuid: string; handles: [string, string]; messages: number }[];
  groups: { groupUuid: string; title: string; handles: string[]; messages: number }[];
  /** Pairs and groups left alone; `title` for a group. */
  skipped: { handles: string[]; title?: string; reason: string }[];
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
 * Seeds conversations and a group among the seed users. Safe to run twice: ids and timestamps are
 * deterministic, puts of identical items change nothing, and inbox rows never move backwards.
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
    groups: [],
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

  const keptGroups: PlannedGroup[] = [];
  for (const g of planGroups(users, anchor)) {
    const handles = g.members.map((u) => u.handle);
    // META first, conditionally: a group whose members or title have changed through the app since it was
    // seeded (its state_key moved) is the app's now; writing the seed's rows again could bring back a leaver's.
    const claimed = await putUnless(doc, {
      TableName: table,
      Item: g.conversation,
      ConditionExpression: 'attribute_not_exists(pk) OR state_key = :s',
      ExpressionAttributeValues: { ':s': g.conversation.state_key },
    });
    if (!claimed) {
      result.skipped.push({
        handles,
        title: g.title,
        reason: 'the group has changed through the app since it was seeded',
      });
      continue;
    }
    keptGroups.push(g);
    result.groups.push({ groupUuid: g.groupUuid, title: g.title, handles, messages: g.messages.length });
    result.messages += g.messages.length;
  }

  const items = [...kept.flatMap((c) => c.items), ...keptGroups.flatMap((g) => g.messages)];
  const inbox = [...kept.flatMap((c) => c.inbox), ...keptGroups.flatMap((g) => g.inbox)];
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
  // Read positions, forward only like the rows they follow: a member who read further since keeps that.
  for (const receipt of kept.flatMap((c) => c.receipts)) {
    await putUnless(doc, {
      TableName: table,
      Item: receipt,
      ConditionExpression: 'attribute_not_exists(pk) OR read_key <= :k',
      ExpressionAttributeValues: { ':k': receipt.read_key },
    });
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
