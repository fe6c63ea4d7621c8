import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';

/**
 * Who a user blocks and who blocks them: `REL#<uuid>` / `REL`, one item per user, written by a block or an unblock
 * (a transaction that updates both users' items), a request's decline, the who-can-message setting and a leave. Every send, start and add carries a ConditionCheck on
 * the sender's item, so DynamoDB orders a block and a send racing it: a send committed after the block is refused.
 * Sets are DynamoDB string sets (ADD and DELETE are idempotent, so a retried block changes nothing twice). One
 * item holds about 10,000 uuids (400 KB): the bound on how many people one user may block or be blocked by.
 */

const uuidSet = z.preprocess(
  (value) => (value instanceof Set ? [...value] : value),
  z.array(z.uuid()).max(11_000),
);

export const RELATIONS_ITEM_TYPE = 'relations';

/**
 * `everyone` (the default): anyone may start a conversation. `conversations`: only people the user already has a
 * conversation with; anyone else's first message is a request.
 */
export const WHO_CAN_MESSAGE = ['everyone', 'conversations'] as const;
export type WhoCanMessage = (typeof WHO_CAN_MESSAGE)[number];

export const relationsItemSchema = z
  .object({
    pk: z.string().startsWith(prefixes.relations),
    sk: z.literal('REL'),
    type: z.literal(RELATIONS_ITEM_TYPE),
    uuid: z.uuid(),
    /** Users this user blocks. */
    blocks: uuidSet.optional(),
    /** Users who block this user: what the sender's ConditionCheck reads. */
    blocked_by: uuidSet.optional(),
    /** Users whose message request this user declined, and users who declined this user's: no more messages. */
    declined: uuidSet.optional(),
    declined_by: uuidSet.optional(),
    /**
     * Groups this user left (ADD in the leave's transaction): an account deletion finds there the groups that no
     * longer hold a row of theirs but still hold their messages. Groups left before this set existed are not in it.
     */
    left_groups: uuidSet.optional(),
    /** Who may start a conversation with this user; absent: everyone. */
    who_can_message: z.enum(WHO_CAN_MESSAGE).optional(),
    /** +1 on every change: a group send is conditional on the version it read its `blocked_by` at. */
    version: z.number().int().nonnegative(),
  })
  .refine((r) => r.pk === keys.relations(r.uuid).pk, 'pk does not match uuid');

export type RelationsItem = z.infer<typeof relationsItemSchema>;
