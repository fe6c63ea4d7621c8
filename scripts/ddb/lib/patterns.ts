import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import {
  type CursorShape,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  inboxItemSchema,
  messageItemSchema,
  parseItem,
} from '@cruddur/ddb';
import { buildListConversations, buildListMessages, MessageStore } from '@cruddur/messaging';

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
  message: string;
}

/** Pattern A: one page of a conversation, newest page first, printed oldest to newest. */
export async function getConversationPage(
  doc: DynamoDBDocumentClient,
  table: string,
  { groupUuid, limit, cursor }: { groupUuid: string; limit: number; cursor?: string | undefined },
): Promise<PatternPage<MessageRow>> {
  const input = buildListMessages(table, groupUuid, limit, startKey(cursor, cursorShapes.thread(groupUuid)));
  const response = await query(doc, input, limit);
  const items = (response.Items ?? []).map((i) => parseItem(messageItemSchema, i));
  const profiles = await new MessageStore(doc, table).getProfiles(items.map((m) => m.sender_uuid));
  return {
    rows: items
      .map((m) => ({
        created_at: m.created_at,
        handle: profiles.get(m.sender_uuid)?.handle ?? m.sender_uuid,
        message: m.message,
      }))
      .reverse(),
    nextCursor: encodeCursor(response.LastEvaluatedKey as Record<string, string> | undefined) ?? null,
    consumedCapacity: response.ConsumedCapacity?.CapacityUnits,
    response,
  };
}

export interface ConversationRow {
  last_message_at: string;
  with: string;
  unread: number;
  last_message: string;
  message_group_uuid: string;
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
  const others = items.flatMap((i) => (i.other_user_uuid ? [i.other_user_uuid] : []));
  const profiles = await new MessageStore(doc, table).getProfiles(others);
  return {
    rows: items.map((i) => ({
      last_message_at: i.last_message_at,
      with: (i.other_user_uuid && profiles.get(i.other_user_uuid)?.handle) ?? i.other_user_uuid ?? '',
      unread: i.unread_count,
      last_message: i.last_message_text,
      message_group_uuid: i.message_group_uuid,
    })),
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
