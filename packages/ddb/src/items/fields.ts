import { z } from 'zod';

export { timestamp } from '@cruddur/contracts';

/**
 * A conversation's members as an item stores them. A writer may store a list or a string set; both mean the
 * same. Bounded so one item can never name more users than a conversation could hold. Empty only for a group
 * whose last member left (and that group's last message, the leave); the items say where it may be.
 */
export const memberList = z.preprocess(
  (value) => (value instanceof Set ? [...value] : value),
  z.array(z.uuid()).max(100),
);

/** The most members a group may have, its creator included: every membership transaction stays under 100 items. */
export const GROUP_MEMBERS_LIMIT = 91;

/** A group's title: trimmed, 1..100 code points (so at most 200 UTF-16 units), no control characters; the services check it before storing. */
export const groupTitle = z.string().min(1).max(200);

/** How many members an inbox row names for its list entry ("the first few members"). */
export const MEMBER_SAMPLE_SIZE = 5;

/** `direct` (two people, fixed) or `group`; items written before groups existed have no kind and are direct. */
export const conversationKind = z.enum(['direct', 'group']);
export type ConversationKind = z.infer<typeof conversationKind>;

/** Members are stored sorted, so an item does not depend on who started the conversation. */
export function sortedMembers(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
