import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from '@cruddur/config';
import { timestamp } from '@cruddur/contracts';
import { itemKindOf, keys, messageSortKey } from '@cruddur/ddb';
import type { StreamRecord } from './stream-record.ts';

// A members attribute may be a list or a string set depending on the writer; both mean the same.
const members = z.preprocess(
  (value) => (value instanceof Set ? [...value] : value),
  z.array(z.uuid()).min(1).max(100),
);

const messageItem = z
  .object({
    pk: z.string(),
    sk: z.string(),
    type: z.literal('message'),
    message_uuid: z.uuid(),
    message_group_uuid: z.uuid(),
    sender_uuid: z.uuid(),
    message: z.string(),
    created_at: timestamp,
    members,
  })
  .refine((m) => m.pk === keys.messagePartition(m.message_group_uuid), 'pk does not match message_group_uuid')
  .refine(
    (m) => m.sk === messageSortKey(m.created_at, m.message_uuid),
    'sk does not match created_at#message_uuid',
  )
  .refine((m) => m.members.includes(m.sender_uuid), 'the sender is not a member');

export interface MessageItem {
  message_uuid: string;
  message_group_uuid: string;
  sender_uuid: string;
  message: string;
  created_at: string;
  /** Deduplicated. */
  members: string[];
  /** The message's sort key: the inbox row's `last_message_key` and the order every inbox update respects. */
  key: string;
}

export type Classified =
  | { kind: 'message'; message: MessageItem }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Decides what a stream record means to the inbox. Only INSERTs of message items count: an edit (MODIFY) or
 * delete (REMOVE) must not bump a conversation (reference bug 6), and inbox rows, profiles and locks are other
 * writers' business. A message INSERT that does not parse is `invalid`: it is dead-lettered, never retried.
 */
export function classifyRecord(record: StreamRecord): Classified {
  if (record.eventName !== 'INSERT')
    return { kind: 'skip', reason: `${record.eventName || 'unknown'} event` };
  const pk = record.keys?.pk?.S ?? record.newImage?.pk?.S;
  if (pk === undefined || itemKindOf(pk) !== 'message') return { kind: 'skip', reason: 'not a message item' };
  if (!record.newImage)
    return { kind: 'invalid', reason: 'INSERT without NewImage: is the stream NEW_AND_OLD_IMAGES?' };
  let item: Record<string, unknown>;
  try {
    item = unmarshall(record.newImage as Record<string, AttributeValue>);
  } catch (err) {
    return { kind: 'invalid', reason: `image does not unmarshall: ${(err as Error).message}` };
  }
  if (item.type !== undefined && item.type !== 'message')
    return { kind: 'skip', reason: `item type ${String(item.type)}` };
  const parsed = messageItem.safeParse(item);
  if (!parsed.success)
    return { kind: 'invalid', reason: `malformed message item: ${z.prettifyError(parsed.error)}` };
  const m = parsed.data;
  return {
    kind: 'message',
    message: {
      message_uuid: m.message_uuid,
      message_group_uuid: m.message_group_uuid,
      sender_uuid: m.sender_uuid,
      message: m.message,
      created_at: m.created_at,
      members: [...new Set(m.members)],
      key: m.sk,
    },
  };
}
