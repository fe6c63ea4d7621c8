import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * The 1:1 pair lock: `PAIR#<lower uuid>#<higher uuid>` / `PAIR`. Put only if absent in the start transaction, so
 * two users have at most one conversation even when both start one at once; it names that conversation.
 */

/** No rule ties its attributes together (the lock holds no user uuids beyond its key), so picks work on it directly. */
export const pairItemSchema = z.object({
  pk: z.string().startsWith(prefixes.pair),
  sk: z.literal('PAIR'),
  type: z.literal('pair'),
  message_group_uuid: z.uuid(),
  created_at: timestamp,
});

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
