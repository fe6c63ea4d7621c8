import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import {
  type CursorShape,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  inboxItemSchema,
  type MessageItem,
  messageItemSchema,
  messageText,
  parseItem,
  reactionsOf,
  type SystemEvent,
} from '@cruddur/ddb';
import {
  buildListConversations,
  buildListMessages,
  MessageStore,
  type ProfileRow,
  systemText,
} from '@cruddur/messaging';

/**
 * The two read access patterns, exactly as the service sends them (same builders), plus what an operator
 * wants to see: names, times and the capacity each page consumed.
 */

export interface PatternPage<Row> {
  rows: Row[];
  nextCursor: string | null;
  consumedCapacity: number | undefined;
  /** The raw Query response, for `--json`. */
  response: QueryCommandOutput;
}

export class CursorError extends Error {}

function startKey(cursor: string | undefined, shape: CursorShape) {
  const decoded = decodeCursor(cursor, shape);
  if (!decoded.ok) throw new CursorError('the cursor is not one this query returned');
  return decoded.key;
}

async function query(
  doc: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
  limit: number,
) {
  // The service asks for one extra row to know whether a next page exists; here the raw
  // LastEvaluatedKey is shown as it is, so ask for exactly `limit`.
  return doc.send(new QueryCommand({ ...input, Limit: limit, ReturnConsumedCapacity: 'TOTAL' }));
}

export interface MessageRow {
  created_at: string;
  handle: string;
  /** `system` for a group's add, leave or rename. */
  kind: 'text' | 'system';
  /** A system message as what happened (`* added @altbrown`), from its event rather than its stored sentence. */
  message: string;
  /** Each emoji with its count (`👍 2  ❤️ 1`); empty with none. */
  reactions: string;
}

type Profiles = ReadonlyMap<string, ProfileRow>;
const handleOf = (uuid: string, profiles: Profiles) => profiles.get(uuid)?.handle ?? uuid;

function describeEvent(event: SystemEvent, profiles: Profiles): string {
  const handles = new Map(event.user_uuids.map((u) => [u, handleOf(u, profiles)]));
  return `* ${systemText(event, handles)}`;
}

const messageRow = (m: MessageItem, profiles: Profiles): MessageRow => ({
  created_at: m.created_at,
  handle: handleOf(m.sender_uuid, profiles),
  kind: m.kind ?? 'text',
  message: m.system ? describeEvent(m.system, profiles) : m.deleted ? '(deleted)' : messageText(m),
  reactions: reactionsOf(m)
    .map((r) => `${r.emoji} ${r.users.length}`)
    .join('  '),
});

/** Pattern A: one page of a conversation, newest page first, printed oldest to newest. */
export async function getConversationPage(
  doc: DynamoDBDocumentClient,
  table: string,
  { groupUuid, limit, cursor }: { groupUuid: string; limit: number; cursor?: string | undefined },
): Promise<PatternPage<MessageRow>> {
  const input = buildListMessages(table, groupUuid, limit, startKey(cursor, cursorShapes.thread(groupUuid)));
  const response = await query(doc, input, limit);
  const items = (response.Items ?? []).map((i) => parseItem(messageItemSchema, i));
  const profiles = await new MessageStore(doc, table).getProfiles(
    items.flatMap((m) => [m.sender_uuid, ...(m.system?.user_uuids ?? [])]),
  );
  return {
    rows: items.map((m) => messageRow(m, profiles)).reverse(),
    nextCursor: encodeCursor(response.LastEvaluatedKey as Record<string, string> | undefined) ?? null,
    consumedCapacity: response.ConsumedCapacity?.CapacityUnits,
    response,
  };
}

export interface ConversationRow {
  last_message_at: string;
  kind: 'direct' | 'group';
  /** The other member's handle; a group's title (its first members' handles when untitled). */
  with: string;
  /** How many members the conversation has, as of its last message. */
  member_count: number;
  /** Handles of the first few members (a group row's `member_sample`; both members of a direct one). */
  members: string[];
  unread: number;
  last_message: string;
  message_group_uuid: string;
}

/** A conversation, direct or group, as the operator reads it. */
export interface ConversationSummary {
  message_group_uuid: string;
  kind: 'direct' | 'group';
  title: string | undefined;
  member_count: number;
  /** Every member's handle, in join order (a direct conversation's sorted). */
  members: string[];
}

/** A conversation's META as the operator reads it; undefined when there is none. */
export async function describeConversation(
  doc: DynamoDBDocumentClient,
  table: string,
  groupUuid: string,
): Promise<ConversationSummary | undefined> {
  const store = new MessageStore(doc, table);
  const meta = await store.getConversation(groupUuid);
  if (!meta) return undefined;
  const profiles = await store.getProfiles(meta.members);
  return {
    message_group_uuid: groupUuid,
    kind: meta.kind ?? 'direct',
    title: meta.title,
    member_count: meta.members.length,
    members: meta.members.map((u) => handleOf(u, profiles)),
  };
}

/** `group "Title", 4 members: @a, @b, @c, @d` or `direct, 2 members: @a, @b`. */
export function conversationHeadline(c: ConversationSummary): string {
  const title = c.kind === 'group' ? ` ${c.title ? `"${c.title}"` : '(untitled)'}` : '';
  return `${c.kind}${title}, ${c.member_count} members: ${c.members.map((h) => `@${h}`).join(', ')}`;
}

/** Pattern B: one page of a user's conversations, newest activity first. */
export async function listConversationsPage(
  doc: DynamoDBDocumentClient,
  table: string,
  { userUuid, limit, cursor }: { userUuid: string; limit: number; cursor?: string | undefined },
): Promise<PatternPage<ConversationRow>> {
  const input = buildListConversations(
    table,
    userUuid,
    limit,
    startKey(cursor, cursorShapes.inbox(userUuid)),
  );
  const response = await query(doc, input, limit);
  const items = (response.Items ?? []).map((i) => parseItem(inboxItemSchema, i));
  const profiles = await new MessageStore(doc, table).getProfiles(
    items.flatMap((i) => [
      userUuid,
      ...(i.other_user_uuid ? [i.other_user_uuid] : []),
      ...(i.member_sample ?? []),
    ]),
  );
  return {
    rows: items.map((i) => {
      const group = i.kind === 'group';
      const sample = group
        ? (i.member_sample ?? [])
        : [userUuid, ...(i.other_user_uuid ? [i.other_user_uuid] : [])];
      const handles = sample.map((u) => handleOf(u, profiles));
      return {
        last_message_at: i.last_message_at,
        kind: group ? 'group' : 'direct',
        with: group
          ? (i.title ?? handles.join(', '))
          : i.other_user_uuid
            ? handleOf(i.other_user_uuid, profiles)
            : '',
        member_count: group ? (i.member_count ?? sample.length) : 2,
        members: handles,
        unread: i.unread_count,
        last_message: i.last_message_text,
        message_group_uuid: i.message_group_uuid,
      };
    }),
    nextCursor: encodeCursor(response.LastEvaluatedKey as Record<string, string> | undefined) ?? null,
    consumedCapacity: response.ConsumedCapacity?.CapacityUnits,
    response,
  };
}

/** The group of the one conversation between two users, from their pair lock. */
export async function groupOfPair(doc: DynamoDBDocumentClient, table: string, a: string, b: string) {
  return (await new MessageStore(doc, table).getPair(a, b))?.message_group_uuid;
}

/** A plain text table; long cells are cut with an ellipsis so every row stays on one line. */
function formatTable(
  rows: readonly Record<string, unknown>[],
  columns: { key: string; width: number }[],
): string {
  const cell = (value: unknown, width: number) => {
    const text = String(value ?? '').replace(/\s+/g, ' ');
    const chars = [...text];
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : text.padEnd(width);
  };
  const header = columns.map((c) => cell(c.key, c.width)).join('  ');
  const lines = rows.map((r) => columns.map((c) => cell(r[c.key], c.width)).join('  '));
  return [header, columns.map((c) => '-'.repeat(c.width)).join('  '), ...lines].join('\n').trimEnd();
}

/** `2026-11-25T10:04:05.123Z` → `2026-11-25 10:04 UTC`. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export interface PrintPageOptions<Row> {
  json: boolean | undefined;
  columns: { key: string; width: number }[];
  /** Turns a row into the cells shown (e.g. shortened times). */
  cells: (row: Row) => Record<string, unknown>;
  /** "12 messages", "3 conversations". */
  noun: string;
  where: string;
  more: string;
  none: string;
}

/** What both pattern scripts print: the raw response or a table, then capacity and how to get the next page. */
export function printPage<Row>(page: PatternPage<Row>, o: PrintPageOptions<Row>): void {
  if (o.json) console.log(JSON.stringify(page.response, null, 2));
  else console.log(formatTable(page.rows.map(o.cells), o.columns));
  console.log(
    `${page.rows.length} ${o.noun}; consumed capacity: ${page.consumedCapacity ?? 'n/a'} RCU on ${o.where}`,
  );
  console.log(page.nextCursor ? `${o.more}: --cursor ${page.nextCursor}` : o.none);
}
