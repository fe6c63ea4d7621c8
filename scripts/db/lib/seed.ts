import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { findUserByHandle, linkCognitoUser, registerUser, registerUserBody } from '@cruddur/users';
import type pg from 'pg';
import { type CognitoSeedUser, ensureCognitoUser } from './cognito.ts';

export interface SeedUsersOptions {
  pool: pg.Pool;
  cognito: CognitoIdentityProviderClient;
  userPoolId: string;
  users: readonly CognitoSeedUser[];
  password: string;
}

export interface SeededUser {
  handle: string;
  sub: string;
  /** What this run did, for the script's output; empty when the user was already in place. */
  changes: string[];
}

/**
 * Puts each seed user in Cognito (with the local password) and in PostgreSQL, linked by sub. Users are
 * registered through the same code as POST /internal/users, so each gets its user.registered event.
 * Running it again changes nothing; after the pool was recreated it relinks users to their new subs.
 */
export async function seedUsers({
  pool,
  cognito,
  userPoolId,
  users,
  password,
}: SeedUsersOptions): Promise<SeededUser[]> {
  const seeded: SeededUser[] = [];
  for (const seed of users) {
    const changes: string[] = [];
    const login = await ensureCognitoUser(cognito, userPoolId, seed, password);
    if (login.created) changes.push('created in Cognito');
    if (login.passwordSet) changes.push('password set');

    const existing = await findUserByHandle(pool, seed.handle);
    if (!existing) {
      const result = await registerUser(
        pool,
        registerUserBody.parse({ ...seed, cognito_user_id: login.sub }),
      );
      if (!result.ok) {
        throw new Error(
          `cannot register ${seed.handle}: ${result.conflicts.join(', ')} (held by another user)`,
        );
      }
      changes.push('registered');
    } else {
      const link = await linkCognitoUser(pool, seed.handle, login.sub);
      if (link === 'sub_taken')
        throw new Error(`sub ${login.sub} of ${seed.handle} is linked to another user`);
      if (link === 'linked') changes.push('linked to its Cognito sub');
    }
    seeded.push({ handle: seed.handle, sub: login.sub, changes });
  }
  return seeded;
}
