import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/** The Cognito username of the user whose preferred_username is `handle` (new pools generate usernames). */
export async function findUsernameByHandle(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  handle: string,
): Promise<string | undefined> {
  // A handle is [A-Za-z0-9_], so it cannot break out of the quoted filter value.
  if (!/^[A-Za-z0-9_]{1,32}$/.test(handle)) return undefined;
  const page = await cognito.send(
    new ListUsersCommand({ UserPoolId: userPoolId, Filter: `preferred_username = "${handle}"`, Limit: 2 }),
  );
  const users = (page.Users ?? []).filter(
    (u) => u.Attributes?.find((a) => a.Name === 'preferred_username')?.Value === handle,
  );
  if (users.length > 1) throw new Error(`more than one Cognito user has preferred_username ${handle}`);
  return users[0]?.Username;
}

export interface SignInOptions {
  cognito: CognitoIdentityProviderClient;
  userPoolId: string;
  clientId: string;
  handle: string;
  password: string;
}

/** Signs a user in with USER_PASSWORD_AUTH, as the frontend does, and returns the access token. */
export async function accessTokenFor({
  cognito,
  userPoolId,
  clientId,
  handle,
  password,
}: SignInOptions): Promise<string> {
  const username = await findUsernameByHandle(cognito, userPoolId, handle);
  if (!username) throw new Error(`no Cognito user with preferred_username ${handle} in pool ${userPoolId}`);
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const token = auth.AuthenticationResult?.AccessToken;
  if (!token)
    throw new Error(`sign-in of ${handle} asked for ${auth.ChallengeName ?? 'more'} instead of a token`);
  return token;
}

/** The same, building its own client: for callers outside the scripts package (benchmarks). */
export async function signInByHandle(options: {
  region: string;
  endpoint?: string | undefined;
  userPoolId: string;
  clientId: string;
  handle: string;
  password: string;
}): Promise<string> {
  const cognito = new CognitoIdentityProviderClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    return await accessTokenFor({ cognito, ...options });
  } finally {
    cognito.destroy();
  }
}
