import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { createAccessTokenVerifier } from '@cruddur/gateway';
import { createTestUserPool, type TestUserPool, testStack } from '@cruddur/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lib/script-env.ts';

const run = promisify(execFile);
const PASSWORD = 'Token-test-1';

describe('scripts/token', () => {
  const stack = testStack();
  let pool: TestUserPool;

  beforeAll(async () => {
    pool = await createTestUserPool(stack);
    const cognito = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: pool.endpoint });
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: 'bayko@example.test',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'bayko@example.test' },
          { Name: 'preferred_username', Value: 'bayko' },
        ],
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: created.User!.Username!,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    cognito.destroy();
  });

  const token = (handle: string) =>
    run(join(REPO_ROOT, 'scripts', 'token'), [handle], {
      env: {
        ...process.env,
        COGNITO_ENDPOINT: pool.endpoint,
        COGNITO_USER_POOL_ID: pool.userPoolId,
        COGNITO_CLIENT_ID: pool.clientId,
        TOKEN_PASSWORD: PASSWORD,
      },
    });

  it('prints one access token for the handle and nothing else, which the gateway accepts', async () => {
    const { stdout } = await token('bayko');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    // The emulator's tokens: trusted with local trust on, as scripts/up runs the gateway.
    const verifier = createAccessTokenVerifier({
      issuer: pool.issuer,
      clientId: pool.clientId,
      allowEmulatorKeys: true,
    });
    expect((await verifier.verify(stdout.trim())).sub).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails with one line on stderr and nothing on stdout for an unknown handle', async () => {
    const failure = await token('nobody').then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('no Cognito user with preferred_username nobody');
  });
});
