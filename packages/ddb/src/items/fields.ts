import { z } from 'zod';

export { timestamp } from '@cruddur/contracts';

/**
 * A conversation's members as an item stores them. A writer may store a list or a string set; both mean the
 * same. Bounded so one item can never name more users than a conversation could hold.
 */
export const memberList = z.preprocess(
  (value) => (value instanceof Set ? [...value] : value),
  z.array(z.uuid()).min(1).max(100),
);

/** Members are stored sorted, so an item does not depend on who started the conversation. */
export function sortedMembers(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
