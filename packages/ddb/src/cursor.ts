import { z } from 'zod';
import { keys } from './keys.ts';

/**
 * Opaque pagination cursors. A cursor is the DynamoDB LastEvaluatedKey in base64url JSON. On the way
 * back in it is parsed against the exact key shape of the table or index it pages (attribute names and
 * value formats) and the partition the caller may read: a forged cursor can neither page through
 * someone else's inbox or thread nor reach DynamoDB with a key it would reject.
 */

export type Key = Record<string, string>;

export function encodeCursor(key: Key | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export type CursorResult = { ok: true; key: Key | undefined } | { ok: false };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// `<created_at>#<message uuid>`, as messageSortKey builds it.
const MESSAGE_SORT_KEY =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a page's LastEvaluatedKey holds: its partition and the sort attributes of the table or index. */
export interface CursorShape {
  pk: string;
  /** The key's attribute names and formats; the partition is compared with `pk` apart from it. */
  schema: z.ZodType<Key>;
}

// Built once: a schema built per page (with the caller's partition as a literal) was 5% of messaging's CPU.
const inboxKey = z.strictObject({
  pk: z.string(),
  sk: z.string().regex(UUID),
  last_message_key: z.string().regex(MESSAGE_SORT_KEY),
});
const threadKey = z.strictObject({ pk: z.string(), sk: z.string().regex(MESSAGE_SORT_KEY) });

export const cursorShapes = {
  /** A page of a user's inbox on the LSI: the table key plus the index sort key. */
  inbox: (ownerUuid: string): CursorShape => ({ pk: keys.inboxPartition(ownerUuid), schema: inboxKey }),
  /** A page of a conversation's messages on the table itself. */
  thread: (groupUuid: string): CursorShape => ({ pk: keys.messagePartition(groupUuid), schema: threadKey }),
};

/** `undefined` or empty means "first page". Anything malformed, of another shape or for another partition is rejected. */
export function decodeCursor(cursor: string | undefined, shape: CursorShape): CursorResult {
  if (cursor === undefined || cursor === '') return { ok: true, key: undefined };
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return { ok: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return { ok: false };
  }
  const result = shape.schema.safeParse(parsed);
  return result.success && result.data.pk === shape.pk ? { ok: true, key: result.data } : { ok: false };
}
