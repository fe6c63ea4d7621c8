import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { TestUserPool } from '@cruddur/test-kit';

export const TEST_PASSWORD = 'Gateway-test-1';

export interface CognitoTestUser {
  email: string;
  /** cognito-local generates the username, equal to the sub. */
  username: string;
  sub: string;
  accessToken: string;
  idToken: string;
}

export function cognitoClient(pool: TestUserPool) {
  return new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: pool.endpoint });
}

export async function signIn(cognito: CognitoIdentityProviderClient, clientId: string, username: string) {
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: TEST_PASSWORD },
    }),
  );
  return {
    accessToken: auth.AuthenticationResult!.AccessToken!,
    idToken: auth.AuthenticationResult!.IdToken!,
  };
}

/** A confirmed user with a permanent password in the pool, signed in through USER_PASSWORD_AUTH. */
export async function createCognitoUser(
  cognito: CognitoIdentityProviderClient,
  pool: TestUserPool,
  handle: string,
): Promise<CognitoTestUser> {
  const email = `${handle.toLowerCase()}@example.test`;
  const created = await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'preferred_username', Value: handle },
      ],
    }),
  );
  const username = created.User!.Username!;
  const sub = created.User!.Attributes?.find((a) => a.Name === 'sub')?.Value ?? username;
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: pool.userPoolId,
      Username: username,
      Password: TEST_PASSWORD,
      Permanent: true,
    }),
  );
  return { email, username, sub, ...(await signIn(cognito, pool.clientId, username)) };
}

/** A second app client of the same pool: its tokens are genuine but not for the gateway. */
export async function createOtherClient(cognito: CognitoIdentityProviderClient, pool: TestUserPool) {
  const client = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientName: 'some-other-app',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  return client.UserPoolClient!.ClientId!;
}
