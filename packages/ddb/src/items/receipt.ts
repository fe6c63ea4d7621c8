import { z } from 'zod';
import { keys } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * A member's read position in one conversation: `READ#<group>` / `<user>`. Written by the messaging service
 * when the member marks the conversation read (only while they send read receipts), only ever forward
 * (`read_key` grows); its stream records are the stream consumer's `receipt.updated` events.
 */
export const RECEIPT_ITEM_TYPE = 'receipt';

export const receiptItemSchema = z
  .object({
    pk: z.string(),
    sk: z.string(),
    type: z.literal(RECEIPT_ITEM_TYPE),
    message_group_uuid: z.uuid(),
    user_uuid: z.uuid(),
    /** The sort key of the newest message the member has read (their inbox row's `last_read_key`). */
    read_key: z.string().min(1),
    read_message_uuid: z.uuid(),
    read_at: timestamp,
  })
  .refine((r) => {
    const key = keys.receipt(r.message_group_uuid, r.user_uuid);
    return r.pk === key.pk && r.sk === key.sk;
  }, 'pk/sk do not match message_group_uuid and user_uuid');

export type ReceiptItem = z.infer<typeof receiptItemSchema>;

export function receiptItem(r: {
  groupUuid: string;
  userUuid: string;
  readKey: string;
  messageUuid: string;
  at: string;
}): ReceiptItem {
  return {
    ...keys.receipt(r.groupUuid, r.userUuid),
    type: RECEIPT_ITEM_TYPE,
    message_group_uuid: r.groupUuid,
    user_uuid: r.userUuid,
    read_key: r.readKey,
    read_message_uuid: r.messageUuid,
    read_at: r.at,
  };
}
