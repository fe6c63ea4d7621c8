import { createPool } from '@cruddur/users';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';
import { createCognitoClient } from './lib/cognito.ts';
import { deleteUserByHandle } from './lib/delete-user.ts';

const program = new Command('db/delete-user')
  .description(
    "Delete a user's account (profile, email; their messages, rows and groups follow through the outbox) and disable them in the Cognito pool.",
  )
  .requiredOption('--handle <handle>', 'the user to delete')
  .option('--yes', 'required: deleting an account cannot be undone')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .parse();
const {
  handle,
  yes = false,
  prod = false,
} = program.opts<{ handle: string; yes?: boolean; prod?: boolean }>();
if (!yes) fail(`refusing to delete ${handle} without --yes (it cannot be undone)`);
const config = loadDbScriptConfig(prod);
const target = describeDatabase(config.DATABASE_URL);

const pool = createPool(config.DATABASE_URL, 2);
const cognito = createCognitoClient({ region: config.AWS_REGION, endpoint: config.COGNITO_ENDPOINT });
const report = await runOrFail(`could not delete ${handle} in ${target}`, () =>
  deleteUserByHandle({
    pool,
    handle,
    cognito: config.COGNITO_USER_POOL_ID
      ? { client: cognito, userPoolId: config.COGNITO_USER_POOL_ID }
      : undefined,
  }),
).finally(async () => {
  await pool.end();
  cognito.destroy();
});
if (!report) fail(`no user has the handle ${handle} in ${target}`);
console.log(
  `deleted ${report.handle} (${report.uuid})${report.cognitoDisabled ? ', disabled in Cognito' : ''}; ` +
    'messaging erases their messages and rows as the user.deleted event arrives',
);
