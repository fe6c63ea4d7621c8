import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { z } from '@cruddur/config';
import { Command } from 'commander';
import { accessTokenFor } from './auth/sign-in.ts';
import { fail, loadScriptConfig } from './lib/script-env.ts';
import { SEED_PASSWORD } from './lib/seed-users.ts';

const program = new Command('token')
  .description(
    'Print a Cognito access token for a user (by handle) and nothing else, e.g. ' +
      'curl -H "Authorization: Bearer $(scripts/token andrewbrown)" localhost:4567/api/message_groups',
  )
  .argument('<handle>', 'the user, e.g. andrewbrown')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .option('--password <password>', 'the password (default: TOKEN_PASSWORD, or the local seed password)')
  .parse();

const [handle] = program.args as [string];
const { prod = false, password: given } = program.opts<{ prod?: boolean; password?: string }>();
const config = loadScriptConfig(
  z.object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
    COGNITO_ENDPOINT: z.url().optional(),
    COGNITO_USER_POOL_ID: z
      .string({ error: 'COGNITO_USER_POOL_ID is not set (scripts/up writes it)' })
      .min(1),
    COGNITO_CLIENT_ID: z.string({ error: 'COGNITO_CLIENT_ID is not set (scripts/up writes it)' }).min(1),
    TOKEN_PASSWORD: z.string().optional(),
  }),
  { prod },
);
// The seed password is public and local only; on AWS the password must be given.
const password = given ?? config.TOKEN_PASSWORD ?? (prod ? undefined : SEED_PASSWORD);
if (!password) fail('no password: pass --password or set TOKEN_PASSWORD');

const cognito = new CognitoIdentityProviderClient({
  region: config.AWS_REGION,
  ...(config.COGNITO_ENDPOINT ? { endpoint: config.COGNITO_ENDPOINT } : {}),
});
try {
  const token = await accessTokenFor({
    cognito,
    userPoolId: config.COGNITO_USER_POOL_ID,
    clientId: config.COGNITO_CLIENT_ID,
    handle,
    password,
  });
  process.stdout.write(`${token}\n`);
} catch (err) {
  fail(`could not sign in as ${handle}`, err);
} finally {
  cognito.destroy();
}
