import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * The 1:1 pair lock: `PAIR#<lower uuid>#<higher uuid>` / `PAIR`. Put only if absent in the start transaction, so
 * two users have at most one conversation even when both start one at once; it names that conversation.
 */

/** The attributes alone, for projections. */
export const pairItemFields = z.object({
  pk: z.string().startsWith(prefixes.pair),
  sk: z.literal('PAIR'),
  type: z.literal('pair'),
  message_group_uuid: z.uuid(),
  created_at: timestamp,
});

// The lock holds no user uuids beyond its key, so there is no rule tying the key to other fields.
export const pairItemSchema = pairItemFields;

export type PairItem = z.infer<typeof pairItemSchema>;

export function pairItem(p: {
  userA: string;
  userB: string;
  groupUuid: string;
  createdAt: string;
}): PairItem {
  return {
    ...keys.pair(p.userA, p.userB),
    type: 'pair',
    message_group_uuid: p.groupUuid,
    created_at: p.createdAt,
  };
}
