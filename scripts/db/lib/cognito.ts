import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type AttributeType,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';

/** AWS caps ListUsers at 60 users per page. */
export const LIST_USERS_MAX_PAGE = 60;

export function createCognitoClient({ region, endpoint }: { region: string; endpoint?: string | undefined }) {
  return new CognitoIdentityProviderClient({ region, maxAttempts: 5, ...(endpoint ? { endpoint } : {}) });
}

export function attribute(user: UserType, name: string): string | undefined {
  return user.Attributes?.find((a: AttributeType) => a.Name === name)?.Value;
}

/** The user's sub. In a pool whose usernames are emails, the generated username is the sub. */
export function subOf(user: UserType): string | undefined {
  return attribute(user, 'sub') ?? user.Username;
}

/** Every user of a pool, page by page (the reference's linking step read only the first page). */
export async function* listAllUsers(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  { pageSize = LIST_USERS_MAX_PAGE, filter }: { pageSize?: number; filter?: string } = {},
): AsyncGenerator<UserType> {
  let token: string | undefined;
  do {
    const page = await cognito.send(
      new ListUsersCommand({
        UserPoolId: userPoolId,
        Limit: pageSize,
        ...(token ? { PaginationToken: token } : {}),
        ...(filter ? { Filter: filter } : {}),
      }),
    );
    yield* page.Users ?? [];
    token = page.PaginationToken;
  } while (token);
}

export interface CognitoSeedUser {
  handle: string;
  display_name: string;
  email: string;
}

export interface EnsuredCognitoUser {
  sub: string;
  created: boolean;
  passwordSet: boolean;
}

/**
 * Makes sure a sign-in exists for `user` with `password`, and returns its sub. Safe to repeat: an existing
 * user (found by email) is reused, and its password is set only if it is not confirmed yet, e.g. after a
 * run that stopped between creating the user and setting the password.
 */
export async function ensureCognitoUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  user: CognitoSeedUser,
  password: string,
): Promise<EnsuredCognitoUser> {
  let created = false;
  let found: UserType | undefined;
  for await (const u of listAllUsers(cognito, userPoolId, { filter: `email = "${user.email}"` })) {
    found = u;
    break;
  }
  if (!found) {
    // Pools that sign in by email want the email as the username; the pool generates the real username.
    const response = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: user.email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'preferred_username', Value: user.handle },
          { Name: 'name', Value: user.display_name },
        ],
      }),
    );
    found = response.User;
    created = true;
  }
  const sub = found && subOf(found);
  if (!found?.Username || !sub) throw new Error(`Cognito returned no username or sub for ${user.email}`);
  let passwordSet = false;
  if (found.UserStatus !== 'CONFIRMED') {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: found.Username,
        Password: password,
        Permanent: true,
      }),
    );
    passwordSet = true;
  }
  return { sub, created, passwordSet };
}
