import { z } from 'zod';
import { keys } from '../keys.ts';

/**
 * The messaging service's profile replica: `USER#<uuid>` / `PROFILE`, fed by users-events. `version` is the users
 * service's; the replica only ever moves to a higher one. Version 0 is a placeholder (the seed's users, or a
 * recipient the replica has not heard of yet) that any real event replaces.
 */

/** The attributes alone, for projections (a BatchGet of handles and names); `userItemSchema` adds the key rule. */
export const userItemFields = z.object({
  pk: z.string(),
  sk: z.literal('PROFILE'),
  type: z.literal('user'),
  uuid: z.uuid(),
  handle: z.string(),
  display_name: z.string(),
  bio: z.string().nullable(),
  version: z.number().int().nonnegative(),
});

export const userItemSchema = userItemFields.refine(
  (u) => u.pk === keys.user(u.uuid).pk,
  'pk does not match uuid',
);

export type UserItem = z.infer<typeof userItemSchema>;

export interface UserProfile {
  uuid: string;
  handle: string;
  display_name: string;
  bio: string | null;
  version: number;
}

export function userItem(user: UserProfile): UserItem {
  return {
    ...keys.user(user.uuid),
    type: 'user',
    uuid: user.uuid,
    handle: user.handle,
    display_name: user.display_name,
    bio: user.bio,
    version: user.version,
  };
}
