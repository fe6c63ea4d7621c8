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

export type Classified =
  | { kind: 'message'; message: MessageItem }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Decides what a stream record means to the inbox. Only INSERTs of message items count: an edit (MODIFY) or
 * delete (REMOVE) must not bump a conversation (reference bug 6), and inbox rows, profiles and locks are other
 * writers' business. Which items are messages, and what a valid one is, is the shared message item schema
 * (`@cruddur/ddb`): a message INSERT that does not parse is `invalid`, dead-lettered, never retried.
 */
export function classifyRecord(record: StreamRecord): Classified {
  if (record.eventName !== 'INSERT')
    return { kind: 'skip', reason: `${record.eventName || 'unknown'} event` };
  const pk = record.keys?.pk?.S ?? record.newImage?.pk?.S;
  if (pk === undefined || !isMessagePartition(pk)) return { kind: 'skip', reason: 'not a message item' };
  if (!record.newImage)
    return { kind: 'invalid', reason: 'INSERT without NewImage: is the stream NEW_AND_OLD_IMAGES?' };
  let item: Record<string, unknown>;
  try {
    item = unmarshall(record.newImage as Record<string, AttributeValue>);
  } catch (err) {
    return { kind: 'invalid', reason: `image does not unmarshall: ${(err as Error).message}` };
  }
  if (item.type !== undefined && item.type !== MESSAGE_ITEM_TYPE)
    return { kind: 'skip', reason: `item type ${String(item.type)}` };
  const parsed = safeParseItem(messageItemSchema, item);
  if (!parsed.ok) return { kind: 'invalid', reason: `malformed message item: ${parsed.error.detail}` };
  const message = parsed.item;
  // A writer may repeat a member; each member's row is updated once.
  if (new Set(message.members).size !== message.members.length)
    message.members = [...new Set(message.members)];
  return { kind: 'message', message };
}
