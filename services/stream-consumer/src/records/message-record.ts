import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  isMessagePartition,
  itemKindOf,
  MESSAGE_ITEM_TYPE,
  type MessageItem,
  messageItemSchema,
  type ReceiptItem,
  receiptItemSchema,
  safeParseItem,
} from '@cruddur/ddb';
import type { StreamRecord } from './stream-record.ts';

/** What happened to a message that already existed: its sender edited or deleted it, or the table removed it (TTL). */
type MessageChange = 'edited' | 'deleted' | 'removed';

export type Classified =
  | { kind: 'message'; message: MessageItem }
  | { kind: 'change'; change: MessageChange; message: MessageItem }
  /** A member added or removed a reaction (`reaction_version` moved); `before` is the old image, when the stream has it. */
  | { kind: 'reaction'; message: MessageItem; before: MessageItem | undefined }
  /** A member's read position was recorded or moved forward. */
  | { kind: 'receipt'; receipt: ReceiptItem }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

type Image = NonNullable<StreamRecord['newImage']>;

/** An image as a message item, or why it is not one (undefined: an item of another type in a message partition). */
function messageOf(image: Image, what: string): { message: MessageItem } | { reason: string } | undefined {
  let item: Record<string, unknown>;
  try {
    item = unmarshall(typedEmptyMaps(image) as Record<string, AttributeValue>);
  } catch (err) {
    return { reason: `${what} does not unmarshall: ${(err as Error).message}` };
  }
  if (item.type !== undefined && item.type !== MESSAGE_ITEM_TYPE) return undefined;
  const parsed = safeParseItem(messageItemSchema, item);
  if (!parsed.ok) return { reason: `malformed message item (${what}): ${parsed.error.detail}` };
  const message = parsed.item;
  // A writer may repeat a member; each member's row is updated once.
  if (new Set(message.members).size !== message.members.length)
    message.members = [...new Set(message.members)];
  return { message };
}

/**
 * DynamoDB Local writes an empty map in a stream image as `{}`, without its `M` (a message whose last reaction was
 * removed has `reactions: {}`), which no unmarshaller takes; AWS writes `{M: {}}`. Typed here, so both read alike.
 */
function typedEmptyMaps(image: Image): Image {
  const fix = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return { M: {} };
    const [[type, inner]] = entries as [[string, unknown]];
    if (entries.length === 1 && type === 'M' && inner && typeof inner === 'object')
      return { M: Object.fromEntries(Object.entries(inner).map(([k, v]) => [k, fix(v)])) };
    if (entries.length === 1 && type === 'L' && Array.isArray(inner)) return { L: inner.map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)])) as Image;
}

/**
 * Decides what a stream record means to the inbox. A message INSERT moves every member's row forward; a MODIFY
 * that edits or deletes a message (its `edit_version` moved) changes previews and counts without moving any row
 * forward (reference bug 6: an edit must not bump a conversation); a REMOVE of a message is handled like a delete.
 * A MODIFY that moves no version is a rewrite of the same message (a seed run again) and is skipped, as are inbox
 * rows, profiles and locks, which are other writers' business. Which items are messages, and what a valid one is,
 * is the shared message item schema (`@cruddur/ddb`): an image that does not parse is `invalid`, dead-lettered,
 * never retried.
 */
export function classifyRecord(record: StreamRecord): Classified {
  const name = record.eventName;
  if (name !== 'INSERT' && name !== 'MODIFY' && name !== 'REMOVE')
    return { kind: 'skip', reason: `${name || 'unknown'} event` };
  const pk = record.keys?.pk?.S ?? record.newImage?.pk?.S ?? record.oldImage?.pk?.S;
  if (pk !== undefined && itemKindOf(pk) === 'receipt') return classifyReceipt(record);
  if (pk === undefined || !isMessagePartition(pk)) return { kind: 'skip', reason: 'not a message item' };

  if (name === 'REMOVE') {
    if (!record.oldImage)
      return { kind: 'invalid', reason: 'REMOVE without OldImage: is the stream NEW_AND_OLD_IMAGES?' };
    const old = messageOf(record.oldImage, 'old image');
    if (!old) return { kind: 'skip', reason: 'not a message item' };
    if ('reason' in old) return { kind: 'invalid', reason: old.reason };
    return { kind: 'change', change: 'removed', message: old.message };
  }

  if (!record.newImage)
    return { kind: 'invalid', reason: `${name} without NewImage: is the stream NEW_AND_OLD_IMAGES?` };
  const now = messageOf(record.newImage, 'new image');
  if (!now) return { kind: 'skip', reason: 'not a message item' };
  if ('reason' in now) return { kind: 'invalid', reason: now.reason };
  const { message } = now;
  if (name === 'INSERT') return { kind: 'message', message };

  // Without an old image (a stream of new images only) the new one decides; every change is idempotent anyway.
  const before = record.oldImage ? messageOf(record.oldImage, 'old image') : undefined;
  const old = before && 'message' in before ? before.message : undefined;
  if (message.deleted) {
    if (old?.deleted) return { kind: 'skip', reason: 'a tombstone rewritten' };
    return { kind: 'change', change: 'deleted', message };
  }
  if (
    message.edit_version !== undefined &&
    (old === undefined || (old.edit_version ?? 0) < message.edit_version)
  )
    return { kind: 'change', change: 'edited', message };
  if (
    message.reaction_version !== undefined &&
    (old === undefined || (old.reaction_version ?? 0) < message.reaction_version)
  )
    return { kind: 'reaction', message, before: old };
  return { kind: 'skip', reason: 'a message rewritten without a change' };
}

/**
 * A read position: an INSERT, or a MODIFY that moved it forward (the messaging service only ever writes it
 * forward, so anything else is a rewrite). A removal says nothing to anyone. A malformed one is `invalid`.
 */
function classifyReceipt(record: StreamRecord): Classified {
  if (record.eventName === 'REMOVE') return { kind: 'skip', reason: 'a read position removed' };
  const parse = (image: Image | undefined) => {
    if (!image) return undefined;
    try {
      return safeParseItem(receiptItemSchema, unmarshall(image as Record<string, AttributeValue>));
    } catch (err) {
      return { ok: false as const, error: { detail: (err as Error).message } };
    }
  };
  const now = parse(record.newImage);
  if (!now)
    return {
      kind: 'invalid',
      reason: `${record.eventName} without NewImage: is the stream NEW_AND_OLD_IMAGES?`,
    };
  if (!now.ok) return { kind: 'invalid', reason: `malformed receipt item: ${now.error.detail}` };
  const old = parse(record.oldImage);
  if (old?.ok && old.item.read_key >= now.item.read_key)
    return { kind: 'skip', reason: 'a read position rewritten without moving' };
  return { kind: 'receipt', receipt: now.item };
}
