import type { ErrorCode } from '@cruddur/contracts';
import { createEvent, type UserSnapshot } from '@cruddur/contracts';
import { currentRequestId, newRequestId } from '@cruddur/logger';
import type pg from 'pg';
import { type Queryable, uniqueViolation, withTransaction } from './data/db.ts';
import { insertOutboxEvent } from './data/outbox.ts';
import {
  conflictCodeByConstraint,
  deleteUserRow,
  findConflicts,
  findUserByCognitoId,
  findUserByHandle,
  findUserByUuid,
  insertUser,
  setCognitoUserId,
  updateProfileRow,
} from './data/users.ts';
import type { ProfilePatch, RegisterUserInput, User } from './schemas.ts';

export type RegisterResult =
  | { ok: true; user: User; created: boolean }
  | { ok: false; conflicts: ErrorCode[] };
export type UpdateResult = { ok: true; user: User; changed: boolean } | { ok: false; notFound: true };

/** What other services may copy of a user; the event payload of both user events. */
export function userSnapshot(user: User): UserSnapshot {
  return {
    uuid: user.uuid,
    handle: user.handle,
    display_name: user.display_name,
    bio: user.bio,
    version: user.version,
  };
}

const traceId = () => currentRequestId() ?? newRequestId();

/**
 * Creates a user and its `user.registered` event in one transaction, so a committed user always has
 * its event and a failed one has neither. A taken handle, email or sub is an expected outcome, returned
 * as every conflicting field; two concurrent registrations of one handle end as one success and one conflict
 * because the second insert waits on the unique index until the first commits. Repeating a registration
 * exactly (same sub, handle and email) returns the stored user with `created: false`.
 */
export async function registerUser(pool: pg.Pool, input: RegisterUserInput): Promise<RegisterResult> {
  try {
    const user = await withTransaction(pool, async (client) => {
      const created = await insertUser(client, input);
      await insertOutboxEvent(
        client,
        created.uuid,
        createEvent('user.registered', userSnapshot(created), { traceId: traceId() }),
      );
      return created;
    });
    return { ok: true, user, created: true };
  } catch (err) {
    const violation = uniqueViolation(err);
    if (!violation) throw err;
    // A retry of a registration that did commit (its response was lost, the post-confirmation step ran
    // twice): the same person, not a conflict. Answer with the stored user; no second event.
    const same = await findUserByCognitoId(pool, input.cognito_user_id);
    if (same && sameIdentity(same, input)) return { ok: true, user: same, created: false };
    const conflicts = await findConflicts(pool, input);
    if (conflicts.length > 0) return { ok: false, conflicts };
    // Nothing conflicts any more (the other row went away): still report the field that was hit.
    const code = conflictCodeByConstraint[violation.constraint];
    if (!code) throw err;
    return { ok: false, conflicts: [code] };
  }
}

function sameIdentity(user: User, input: RegisterUserInput): boolean {
  return (
    user.handle.toLowerCase() === input.handle.toLowerCase() &&
    user.email.toLowerCase() === input.email.toLowerCase()
  );
}

/**
 * Changes display name and/or bio; when something changed, bumps the version and writes
 * `user.profile_updated` in the same transaction. An unchanged profile is returned as is, with no event.
 */
export async function updateProfile(pool: pg.Pool, uuid: string, patch: ProfilePatch): Promise<UpdateResult> {
  return withTransaction(pool, async (client): Promise<UpdateResult> => {
    const updated = await updateProfileRow(client, uuid, patch);
    if (updated) {
      await insertOutboxEvent(
        client,
        updated.uuid,
        createEvent('user.profile_updated', userSnapshot(updated), { traceId: traceId() }),
      );
      return { ok: true, user: updated, changed: true };
    }
    const current = await findUserByUuid(client, uuid);
    return current ? { ok: true, user: current, changed: false } : { ok: false, notFound: true };
  });
}

/**
 * Deletes a user: the row (profile, email, sub) and its `user.deleted` event in one transaction, so the rest of
 * the system learns of every committed deletion even across a crash, and a failed one leaves both. False when
 * there was no such user (already deleted, or never there).
 */
export async function deleteUser(pool: pg.Pool, uuid: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const deleted = await deleteUserRow(client, uuid);
    if (!deleted) return false;
    await insertOutboxEvent(
      client,
      deleted.uuid,
      createEvent(
        'user.deleted',
        { uuid: deleted.uuid, cognito_user_id: deleted.cognito_user_id },
        { traceId: traceId() },
      ),
    );
    return true;
  });
}

export type LinkResult = 'linked' | 'unchanged' | 'no_user' | 'sub_taken';

/** Links the user with `handle` to a Cognito sub (seed, update-cognito-user-ids). Safe to repeat. */
export async function linkCognitoUser(db: Queryable, handle: string, sub: string): Promise<LinkResult> {
  const user = await findUserByHandle(db, handle);
  if (!user) return 'no_user';
  if (user.cognito_user_id === sub) return 'unchanged';
  try {
    return (await setCognitoUserId(db, user.uuid, sub)) ? 'linked' : 'unchanged';
  } catch (err) {
    if (uniqueViolation(err)) return 'sub_taken';
    throw err;
  }
}
