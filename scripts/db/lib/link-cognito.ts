import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { linkCognitoUser } from '@cruddur/users';
import type pg from 'pg';
import { attribute, LIST_USERS_MAX_PAGE, listAllUsers, subOf } from './cognito.ts';

export interface LinkReport {
  /** Cognito users seen, over every page. */
  seen: number;
  linked: string[];
  unchanged: number;
  /** Cognito users whose preferred_username matches no local user. */
  noLocalUser: string[];
  /** Cognito users without a preferred_username, which cannot be matched. */
  noHandle: number;
  /** Handles whose sub is already linked to a different local user: left alone, reported. */
  conflicts: string[];
}

/**
 * Sets users.cognito_user_id to the sub of the Cognito user whose preferred_username is the user's
 * handle (case-insensitive), for every user in the pool. Idempotent.
 */
export async function updateCognitoUserIds({
  pool,
  cognito,
  userPoolId,
  pageSize = LIST_USERS_MAX_PAGE,
}: {
  pool: pg.Pool;
  cognito: CognitoIdentityProviderClient;
  userPoolId: string;
  pageSize?: number;
}): Promise<LinkReport> {
  const report: LinkReport = {
    seen: 0,
    linked: [],
    unchanged: 0,
    noLocalUser: [],
    noHandle: 0,
    conflicts: [],
  };
  for await (const user of listAllUsers(cognito, userPoolId, { pageSize })) {
    report.seen++;
    const handle = attribute(user, 'preferred_username');
    const sub = subOf(user);
    if (!handle || !sub) {
      report.noHandle++;
      continue;
    }
    const outcome = await linkCognitoUser(pool, handle, sub);
    if (outcome === 'linked') report.linked.push(handle);
    else if (outcome === 'unchanged') report.unchanged++;
    else if (outcome === 'no_user') report.noLocalUser.push(handle);
    else report.conflicts.push(handle);
  }
  return report;
}
