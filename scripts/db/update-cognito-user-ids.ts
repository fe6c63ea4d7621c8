import { createPool } from '@cruddur/users';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';
import { createCognitoClient } from './lib/cognito.ts';
import { updateCognitoUserIds } from './lib/link-cognito.ts';

const program = new Command('db/update-cognito-user-ids')
  .description('Link users to the Cognito pool: cognito_user_id = sub where preferred_username = handle.')
  .option('--prod', 'use the real environment only, not .data/local.env')
  .parse();
const { prod = false } = program.opts<{ prod?: boolean }>();
const config = loadDbScriptConfig(prod);
if (!config.COGNITO_USER_POOL_ID) fail('COGNITO_USER_POOL_ID is not set');
const target = describeDatabase(config.DATABASE_URL);

const pool = createPool(config.DATABASE_URL, 2);
const cognito = createCognitoClient({ region: config.AWS_REGION, endpoint: config.COGNITO_ENDPOINT });
const report = await runOrFail(`could not link users of ${target}`, () =>
  updateCognitoUserIds({ pool, cognito, userPoolId: config.COGNITO_USER_POOL_ID! }),
).finally(async () => {
  await pool.end();
  cognito.destroy();
});
for (const handle of report.linked) console.log(`linked ${handle}`);
for (const handle of report.noLocalUser) console.log(`no local user for Cognito user ${handle}`);
console.log(
  `${report.seen} Cognito users: ${report.linked.length} linked, ${report.unchanged} already linked, ` +
    `${report.noLocalUser.length} without a local user, ${report.noHandle} without preferred_username`,
);
if (report.conflicts.length > 0) {
  fail(`sub already linked to another user for: ${report.conflicts.join(', ')}`);
}
