import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * An idempotency record: `IDEM#<sender>#<key>` / `IDEM`, written in the same transaction as the message it
 * names, so a retried send returns that message. DynamoDB's TTL removes it after `expires_at`.
 */

/** No rule ties its attributes together (the key names a sender not stored otherwise), so picks work on it directly. */
export const idempotencyItemSchema = z.object({
  pk: z.string().startsWith(prefixes.idempotency),
  sk: z.literal('IDEM'),
  type: z.literal('idempotency'),
  message_group_uuid: z.uuid(),
  /** The sort key of the message the first request stored. */
  message_sk: z.string(),
  /** Hash of what the request asked for, so the same key with a different body is refused. */
  request_hash: z.string(),
  /** Whether the request that first used the key started the conversation. */
  created_conversation: z.boolean(),
  created_at: timestamp,
  /** Epoch seconds for DynamoDB TTL (`MESSAGE_TTL_ATTRIBUTE`): a key protects against retries, not forever. */
  expires_at: z.number().int(),
});

export type IdempotencyItem = z.infer<typeof idempotencyItemSchema>;

export interface NewIdempotency {
  senderUuid: string;
  key: string;
  requestHash: string;
  createdConversation: boolean;
  createdAt: string;
  expiresAt: number;
}

export function idempotencyItem(i: NewIdempotency, groupUuid: string, messageSk: string): IdempotencyItem {
  return {
    ...keys.idempotency(i.senderUuid, i.key),
    type: 'idempotency',
    message_group_uuid: groupUuid,
    message_sk: messageSk,
    request_hash: i.requestHash,
    created_conversation: i.createdConversation,
    created_at: i.createdAt,
    expires_at: i.expiresAt,
  };
}
