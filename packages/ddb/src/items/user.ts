import { z } from 'zod';
import { keys, prefixes } from '../keys.ts';

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
  /** The account was deleted: handle "", display name "Deleted user", at a version no event can pass. */
  deleted: z.literal(true).optional(),
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

/** Above any version the users service can reach, so no late profile event can bring a deleted user back. */
export const DELETED_USER_VERSION = Number.MAX_SAFE_INTEGER;
export const DELETED_USER_NAME = 'Deleted user';

/** What the replica keeps of a deleted user: who they were by uuid only, shown as "Deleted user". */
export function deletedUserItem(uuid: string): UserItem {
  return {
    ...userItem({
      uuid,
      handle: '',
      display_name: DELETED_USER_NAME,
      bio: null,
      version: DELETED_USER_VERSION,
    }),
    deleted: true,
  };
}

/** Whether a stream image (or any item) is a profile tombstone. */
export const isDeletedUser = (item: { pk?: unknown; sk?: unknown; deleted?: unknown }): boolean =>
  typeof item.pk === 'string' &&
  item.pk.startsWith(prefixes.user) &&
  item.sk === 'PROFILE' &&
  item.deleted === true;
