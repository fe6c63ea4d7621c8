import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  isMessagePartition,
  MESSAGE_ITEM_TYPE,
  type MessageItem,
  messageItemSchema,
  safeParseItem,
} from '@cruddur/ddb';
import type { StreamRecord } from './stream-record.ts';

/** What happened to a message that already existed: its sender edited or deleted it, or the table removed it (TTL). */
type MessageChange = 'edited' | 'deleted' | 'removed';

export type Classified =
  | { kind: 'message'; message: MessageItem }
  | { kind: 'change'; change: MessageChange; message: MessageItem }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

type Image = NonNullable<StreamRecord['newImage']>;

/** An image as a message item, or why it is not one (undefined: an item of another type in a message partition). */
function messageOf(image: Image, what: string): { message: MessageItem } | { reason: string } | undefined {
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Record<string, AttributeValue>);
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
  return { kind: 'skip', reason: 'a message rewritten without a change' };
}
