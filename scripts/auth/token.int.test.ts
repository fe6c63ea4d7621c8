import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createAccessTokenVerifier } from '@cruddur/gateway';
import { createTestUserPool, type TestUserPool, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lib/script-env.ts';

const run = promisify(execFile);
const PASSWORD = 'Token-test-1';

describe('scripts/token', () => {
  const stack = testStack();
  let pool: TestUserPool;
  /** A second app client of the same pool, to tell which client id a token was issued for. */
  let otherClientId: string;
  const dir = mkdtempSync(join(tmpdir(), 'token-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    pool = await createTestUserPool(stack);
    const cognito = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: pool.endpoint });
    const other = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: pool.userPoolId,
        ClientName: 'explicit',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    otherClientId = other.UserPoolClient!.ClientId!;
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

  it('takes a COGNITO_CLIENT_ID given explicitly over the one in .data/local.env', async () => {
    const localEnv = join(dir, 'local.env');
    writeFileSync(
      localEnv,
      [
        `COGNITO_ENDPOINT=${pool.endpoint}`,
        `COGNITO_USER_POOL_ID=${pool.userPoolId}`,
        `COGNITO_CLIENT_ID=${pool.clientId}`,
        `TOKEN_PASSWORD=${PASSWORD}`,
      ].join('\n'),
    );
    const clientOf = async (env: Record<string, string>) => {
      const { stdout } = await run(join(REPO_ROOT, 'scripts', 'token'), ['bayko'], {
        env: { ...process.env, CRUDDUR_LOCAL_ENV: localEnv, ...env },
      });
      const payload = JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString('utf8'));
      return (payload as { client_id: string }).client_id;
    };
    expect(await clientOf({})).toBe(pool.clientId);
    expect(await clientOf({ COGNITO_CLIENT_ID: otherClientId })).toBe(otherClientId);
  });
});
