import {
  AdminDisableUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { deleteUser, findUserByHandle } from '@cruddur/users';
import type pg from 'pg';
import { listAllUsers } from './cognito.ts';

export interface DeletedUserReport {
  uuid: string;
  handle: string;
  /** The Cognito user was disabled (it cannot sign in any more); false when it had none, or none was found. */
  cognitoDisabled: boolean;
}

/**
 * The operators' way to delete an account, the same as `DELETE /api/me`: the users service's own deletion (row and
 * `user.deleted` in the outbox, in one transaction; the relay publishes it and the rest follows), plus disabling
 * the user in the Cognito pool so they cannot sign in again. Undefined when no user has the handle.
 */
export async function deleteUserByHandle(input: {
  pool: pg.Pool;
  handle: string;
  cognito?: { client: CognitoIdentityProviderClient; userPoolId: string } | undefined;
}): Promise<DeletedUserReport | undefined> {
  const user = await findUserByHandle(input.pool, input.handle);
  if (!user) return undefined;
  await deleteUser(input.pool, user.uuid);
  let cognitoDisabled = false;
  if (input.cognito && user.cognito_user_id) {
    const { client, userPoolId } = input.cognito;
    for await (const found of listAllUsers(client, userPoolId, {
      filter: `sub = "${user.cognito_user_id}"`,
    })) {
      if (!found.Username) continue;
      await client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: found.Username }));
      cognitoDisabled = true;
    }
  }
  return { uuid: user.uuid, handle: user.handle, cognitoDisabled };
}
