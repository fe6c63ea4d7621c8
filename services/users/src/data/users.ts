import type { ErrorCode } from '@cruddur/contracts';
import { toTimestamp } from '@cruddur/contracts';
import type { ProfilePatch, RegisterUserInput, User, UserShort } from '../schemas.ts';
import type { Queryable } from './db.ts';

interface UserRow {
  uuid: string;
  handle: string;
  display_name: string;
  email: string;
  cognito_user_id: string | null;
  bio: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const USER_COLUMNS =
  'uuid, handle, display_name, email, cognito_user_id, bio, version, created_at, updated_at';

function toUser(row: UserRow): User {
  return {
    uuid: row.uuid,
    handle: row.handle,
    display_name: row.display_name,
    bio: row.bio,
    email: row.email,
    cognito_user_id: row.cognito_user_id,
    created_at: toTimestamp(row.created_at),
    updated_at: toTimestamp(row.updated_at),
    version: row.version,
  };
}

/** Which unique constraint or index guards which field; the names are fixed by the first migration. */
export const conflictCodeByConstraint: Record<string, ErrorCode> = {
  users_handle_key: 'handle_taken',
  users_email_key: 'email_taken',
  users_cognito_user_id_key: 'cognito_user_id_taken',
};

export async function findUserByCognitoId(db: Queryable, sub: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE cognito_user_id = $1`, [
    sub,
  ]);
  return rows[0] && toUser(rows[0]);
}

export async function findUserByUuid(db: Queryable, uuid: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE uuid = $1`, [uuid]);
  return rows[0] && toUser(rows[0]);
}

/** Case-insensitive, served by the unique index on lower(handle). */
export async function findUserByHandle(db: Queryable, handle: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE lower(handle) = lower($1)`,
    [handle],
  );
  return rows[0] && toUser(rows[0]);
}

/** Short profiles in the order asked for; unknown uuids are left out. */
export async function findUsersByUuids(db: Queryable, uuids: readonly string[]): Promise<UserShort[]> {
  const { rows } = await db.query<UserShort>(
    'SELECT uuid, handle, display_name FROM users WHERE uuid = ANY($1::uuid[])',
    [[...new Set(uuids)]],
  );
  const byUuid = new Map(rows.map((r) => [r.uuid, r]));
  return [...new Set(uuids.map((u) => u.toLowerCase()))].flatMap((u) => byUuid.get(u) ?? []);
}

/**
 * Short profiles by handle, without regard to case, in the order asked for (a handle asked twice in any
 * case answers once); unknown handles are left out. Served by the unique index on lower(handle).
 */
export async function findUsersByHandles(db: Queryable, handles: readonly string[]): Promise<UserShort[]> {
  const wanted = [...new Set(handles.map((h) => h.toLowerCase()))];
  const { rows } = await db.query<UserShort>(
    'SELECT uuid, handle, display_name FROM users WHERE lower(handle) = ANY($1::text[])',
    [wanted],
  );
  const byHandle = new Map(rows.map((r) => [r.handle.toLowerCase(), r]));
  return wanted.flatMap((h) => byHandle.get(h) ?? []);
}

export async function insertUser(db: Queryable, input: RegisterUserInput): Promise<User> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (handle, display_name, email, cognito_user_id, bio)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
    [input.handle, input.display_name, input.email, input.cognito_user_id, input.bio ?? null],
  );
  return toUser(rows[0]!);
}

/**
 * Every field of `input` that another user already holds. A unique violation names only the first
 * constraint it hit; this names all of them, so a 409 lists every conflict at once.
 */
export async function findConflicts(
  db: Queryable,
  input: Pick<RegisterUserInput, 'handle' | 'email' | 'cognito_user_id'>,
): Promise<ErrorCode[]> {
  const { rows } = await db.query<{ handle: boolean; email: boolean; sub: boolean }>(
    `SELECT bool_or(lower(handle) = lower($1)) AS handle,
            bool_or(lower(email) = lower($2)) AS email,
            bool_or(cognito_user_id = $3) AS sub
       FROM users
      WHERE lower(handle) = lower($1) OR lower(email) = lower($2) OR cognito_user_id = $3`,
    [input.handle, input.email, input.cognito_user_id],
  );
  const row = rows[0];
  const codes: ErrorCode[] = [];
  if (row?.handle) codes.push('handle_taken');
  if (row?.email) codes.push('email_taken');
  if (row?.sub) codes.push('cognito_user_id_taken');
  return codes;
}

/**
 * Applies a profile patch and bumps the version, in one statement, only when something actually
 * changes: a repeated PATCH is a no-op and produces no event. Undefined means "no such user or no change".
 */
export async function updateProfileRow(
  db: Queryable,
  uuid: string,
  patch: ProfilePatch,
): Promise<User | undefined> {
  const setName = patch.display_name !== undefined;
  const setBio = patch.bio !== undefined;
  const { rows } = await db.query<UserRow>(
    `UPDATE users
        SET display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
            bio = CASE WHEN $4 THEN $5 ELSE bio END,
            version = version + 1,
            updated_at = now()
      WHERE uuid = $1
        AND ((CASE WHEN $2 THEN $3 ELSE display_name END) IS DISTINCT FROM display_name
          OR (CASE WHEN $4 THEN $5 ELSE bio END) IS DISTINCT FROM bio)
      RETURNING ${USER_COLUMNS}`,
    [uuid, setName, patch.display_name ?? null, setBio, patch.bio ?? null],
  );
  return rows[0] && toUser(rows[0]);
}

/** Points a user at a Cognito sub. Not a profile change (the sub is not in the event snapshot), so no version bump. */
export async function setCognitoUserId(db: Queryable, uuid: string, sub: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users SET cognito_user_id = $2, updated_at = now()
      WHERE uuid = $1 AND cognito_user_id IS DISTINCT FROM $2`,
    [uuid, sub],
  );
  return rowCount === 1;
}

/** Deletes the user's row, and with it every profile field and the email; answers what it deleted. */
export async function deleteUserRow(
  db: Queryable,
  uuid: string,
): Promise<{ uuid: string; cognito_user_id: string | null } | undefined> {
  const { rows } = await db.query<{ uuid: string; cognito_user_id: string | null }>(
    'DELETE FROM users WHERE uuid = $1 RETURNING uuid, cognito_user_id',
    [uuid],
  );
  return rows[0];
}
