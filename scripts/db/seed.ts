import { createPool } from '@cruddur/users';
import { Command } from 'commander';
import { fail } from '../lib/script-env.ts';
import { SEED_USERS } from '../lib/seed-users.ts';
import { describeDatabase, loadDbScriptConfig, runOrFail } from './lib/cli.ts';
import { createCognitoClient } from './lib/cognito.ts';
import { seedUsers } from './lib/seed.ts';
import { chooseSeedPassword } from './lib/seed-password.ts';

const program = new Command('db/seed')
  .description(
    `Create the seed users (${SEED_USERS.map((u) => u.handle).join(', ')}) in Cognito and PostgreSQL, linked by sub.`,
  )
  .option('--prod', 'use the real environment only, not .data/local.env')
  .option('--create-in-real-pool', 'allow creating the demo users in a real (AWS) Cognito user pool')
  .option('--password-file <file>', 'their password in a real pool (the local one is published, so refused)')
  .parse();
const opts = program.opts<{ prod?: boolean; createInRealPool?: boolean; passwordFile?: string }>();
const prod = opts.prod ?? false;
const config = loadDbScriptConfig(prod);
if (!config.COGNITO_USER_POOL_ID)
  fail('COGNITO_USER_POOL_ID is not set (scripts/up writes it to .data/local.env)');
// Without the emulator's endpoint the SDK talks to AWS: that pool is real, whatever --prod says.
const choice = chooseSeedPassword({
  realPool: prod || !config.COGNITO_ENDPOINT,
  createInRealPool: opts.createInRealPool ?? false,
  passwordFile: opts.passwordFile,
});
if (!choice.ok) fail(choice.reason);
const target = describeDatabase(config.DATABASE_URL);

const pool = createPool(config.DATABASE_URL, 2);
const cognito = createCognitoClient({ region: config.AWS_REGION, endpoint: config.COGNITO_ENDPOINT });
const seeded = await runOrFail(`could not seed ${target}`, () =>
  seedUsers({
    pool,
    cognito,
    userPoolId: config.COGNITO_USER_POOL_ID!,
    users: SEED_USERS,
    password: choice.password,
  }),
).finally(async () => {
  await pool.end();
  cognito.destroy();
});
for (const user of seeded) {
  console.log(
    `${user.handle} (sub ${user.sub}): ${user.changes.length ? user.changes.join(', ') : 'unchanged'}`,
  );
}
console.log(`seeded ${seeded.length} users into ${target} and pool ${config.COGNITO_USER_POOL_ID}`);
